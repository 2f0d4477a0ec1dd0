import { ApiException, AuthenticationV1Api, AuthorizationV1Api, type KubeConfig } from '@kubernetes/client-node';
import { type DoctorResult, degraded, failed, messageOf, ok, within } from './doctor-result.js';
import type { ClusterAccess } from '../k8s/create-cluster-access.js';
import { EXEC_PLUGIN_REMEDY, execCommandOf, findExecutable } from '../k8s/exec-plugin-problems.js';
import { type K8sPermission, REQUIRED_PERMISSIONS, describePermission } from '../k8s/required-permissions.js';

export interface ClusterCheckTarget {
  /** The catalog environment, for the line's name. */
  environment: string;
  /** Its kubeconfig context (or `in-cluster`). */
  context: string;
  /** Every namespace a service deploys to in this environment. */
  namespaces: readonly string[];
}

/**
 * Who flightdeck is in one environment's cluster (a SelfSubjectReview, what `kubectl auth whoami` sends) and
 * whether it holds every permission it needs in each namespace (a SelfSubjectAccessReview per permission and
 * namespace, what `kubectl auth can-i` sends). Never rejects: a problem becomes a `failed` line naming the
 * verbs missing. A cluster too old for SelfSubjectReview (before 1.28) only loses the identity. A context whose
 * credentials come from an exec plugin not on `pathEnv` fails before any request, with what to use instead.
 */
export async function checkClusterAccess(access: ClusterAccess, target: ClusterCheckTarget, timeoutMs: number, pathEnv: string | undefined): Promise<DoctorResult> {
  const name = `cluster ${target.environment} (${target.context})`;
  let kubeConfig: KubeConfig;
  try {
    kubeConfig = access.forContext(target.context).kubeConfig;
  } catch (err) {
    return failed(name, messageOf(err), 'fix the environment\'s cluster in the catalog or the kubeconfig (KUBECONFIG)');
  }
  const plugin = execCommandOf(kubeConfig, target.context);
  if (plugin !== undefined && !findExecutable(plugin, pathEnv)) {
    return failed(name, `its credentials come from the exec plugin "${plugin}", which is not on PATH`, EXEC_PLUGIN_REMEDY);
  }
  let username: string | undefined;
  try {
    username = await within(timeoutMs, whoAmI(kubeConfig.makeApiClient(AuthenticationV1Api)));
  } catch (err) {
    if (err instanceof ApiException && err.code === 401) {
      return failed(name, 'the API server rejected the credentials (401 Unauthorized)', 'renew the token or certificate in the kubeconfig (kubectl create token <account> makes a new token)');
    }
    if (!(err instanceof ApiException && err.code === 404)) {
      return failed(name, `the API server did not answer: ${messageOf(err)}`, 'check the server address in the kubeconfig and that this host can reach it (NetworkPolicy, firewall)');
    }
  }
  const identity = username ?? 'an identity this API server does not tell (SelfSubjectReview needs Kubernetes 1.28)';
  const authorization = kubeConfig.makeApiClient(AuthorizationV1Api);
  const missing: Array<{ permission: K8sPermission; namespace: string }> = [];
  try {
    for (const namespace of target.namespaces) {
      const answers = await within(timeoutMs, Promise.all(REQUIRED_PERMISSIONS.map((p) => mayDo(authorization, p, namespace))));
      REQUIRED_PERMISSIONS.forEach((permission, i) => {
        if (!answers[i]) missing.push({ permission, namespace });
      });
    }
  } catch (err) {
    return failed(name, `as ${identity}: cannot ask the API server what it allows: ${messageOf(err)}`, 'check that the API server is reachable and serves authorization.k8s.io/v1');
  }
  const first = missing[0];
  if (first) {
    const namespaces = [...new Set(missing.map((m) => m.namespace))];
    return failed(
      name,
      `as ${identity}: may not ${missing.map((m) => `${describePermission(m.permission)} in ${m.namespace}`).join(', ')}`,
      `grant what the chart's Role grants in ${namespaces.join(', ')} (helm/flightdeck: rbac.targetNamespaces), then check with: ` +
        `kubectl auth can-i ${canIArgs(first.permission, first.namespace)}${username ? ` --as ${username}` : ''}`,
    );
  }
  const where = target.namespaces.length > 0 ? target.namespaces.join(', ') : 'no namespace (no service deploys here)';
  return target.namespaces.length > 0
    ? ok(name, `as ${identity}: all ${REQUIRED_PERMISSIONS.length} permissions in ${where}`)
    : degraded(name, `as ${identity}: ${where}`, 'list this environment under a service\'s environments, or remove it');
}

async function whoAmI(api: AuthenticationV1Api): Promise<string | undefined> {
  const review = await api.createSelfSubjectReview({ body: { apiVersion: 'authentication.k8s.io/v1', kind: 'SelfSubjectReview' } });
  return review.status?.userInfo?.username;
}

async function mayDo(api: AuthorizationV1Api, p: K8sPermission, namespace: string): Promise<boolean> {
  const review = await api.createSelfSubjectAccessReview({
    body: {
      apiVersion: 'authorization.k8s.io/v1',
      kind: 'SelfSubjectAccessReview',
      spec: { resourceAttributes: { namespace, verb: p.verb, group: p.group, resource: p.resource, ...(p.subresource ? { subresource: p.subresource } : {}) } },
    },
  });
  return review.status?.allowed === true;
}

function canIArgs(p: K8sPermission, namespace: string): string {
  const qualified = p.group === '' ? p.resource : `${p.resource}.${p.group}`;
  return `${p.verb} ${qualified}${p.subresource ? ` --subresource=${p.subresource}` : ''} -n ${namespace}`;
}
