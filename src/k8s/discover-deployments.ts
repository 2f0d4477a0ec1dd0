import { KubeConfig, type V1Deployment } from '@kubernetes/client-node';
import { FlightdeckError } from '../errors/flightdeck-error.js';
import type { ClusterClient } from './create-cluster-access.js';

/** What `flightdeck init` needs of one Deployment to write its catalog entry. */
export interface DiscoveredDeployment {
  namespace: string;
  name: string;
  /** The pod template's containers, in order: the first is taken as the one a deploy changes. */
  containers: { name: string; image: string }[];
}

/** The kubeconfig's current context and its default namespace; undefined when there is no kubeconfig or no context. */
export function currentContextOf(kubeconfigPath: string | undefined): { context: string; namespace: string } | undefined {
  const kc = new KubeConfig();
  try {
    if (kubeconfigPath) kc.loadFromFile(kubeconfigPath);
    else kc.loadFromDefault();
  } catch {
    return undefined;
  }
  const context = kc.getCurrentContext();
  if (!context || !kc.getContextObject(context)) return undefined;
  return { context, namespace: kc.getContextObject(context)?.namespace ?? 'default' };
}

/** System namespaces hold the cluster's own workloads, never a team's service. */
const SYSTEM_NAMESPACE = /^kube-/;

/**
 * The Deployments this identity can see: cluster-wide when it may list them there (as `kubectl get deploy -A`),
 * else those of `fallbackNamespace`, as a namespaced identity (flightdeck's own Role) can only list there.
 */
export async function discoverDeployments(client: ClusterClient, fallbackNamespace: string): Promise<DiscoveredDeployment[]> {
  let items: V1Deployment[];
  try {
    items = (await client.apps.listDeploymentForAllNamespaces()).items;
  } catch (err) {
    if ((err as { code?: number }).code !== 403) throw unreachable(client.context, err);
    try {
      items = (await client.apps.listNamespacedDeployment({ namespace: fallbackNamespace })).items;
    } catch (inner) {
      throw unreachable(client.context, inner);
    }
  }
  return items
    .filter((d) => !SYSTEM_NAMESPACE.test(d.metadata?.namespace ?? ''))
    .map((d) => ({
      namespace: d.metadata?.namespace ?? fallbackNamespace,
      name: d.metadata?.name ?? '',
      containers: (d.spec?.template.spec?.containers ?? []).map((c) => ({ name: c.name, image: c.image ?? '' })),
    }))
    .sort((a, b) => a.namespace.localeCompare(b.namespace) || a.name.localeCompare(b.name));
}

function unreachable(context: string, err: unknown): FlightdeckError {
  const status = (err as { code?: number }).code;
  return new FlightdeckError('k8s-unavailable', `Cannot list Deployments in context "${context}"${status ? ` (HTTP ${status})` : ''}: ${(err as Error).message.split('\n')[0]}`, {
    remedy: 'Check the context with `kubectl get deployments -A`, or run init with --no-cluster to write a catalog to fill in by hand.',
    cause: err,
  });
}
