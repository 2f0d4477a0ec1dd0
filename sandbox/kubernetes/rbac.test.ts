import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type KubernetesEmulator, startKubernetesEmulator } from './index.js';

/** kube-apiserver's conformance on authentication and RBAC, over plain HTTP with bearer tokens. */
let emu: KubernetesEmulator;
let worker: string;

const WORKER = 'system:serviceaccount:flightdeck:flightdeck-worker';

const role = (verbs: string[]) => ({
  apiVersion: 'rbac.authorization.k8s.io/v1',
  kind: 'Role',
  metadata: { name: 'deployer', namespace: 'shop' },
  rules: [
    { apiGroups: ['apps'], resources: ['deployments'], verbs },
    { apiGroups: [''], resources: ['pods/log'], verbs: ['get'] },
  ],
});
const binding = (roleRef: { kind: string; name: string }, namespace = 'shop') => ({
  apiVersion: 'rbac.authorization.k8s.io/v1',
  kind: 'RoleBinding',
  metadata: { name: 'deployer', namespace },
  roleRef: { apiGroup: 'rbac.authorization.k8s.io', ...roleRef },
  subjects: [{ kind: 'ServiceAccount', name: 'flightdeck-worker', namespace: 'flightdeck' }],
});

async function call(token: string, method: string, path: string, body?: unknown, contentType = 'application/json') {
  const res = await fetch(`${emu.url}${path}`, {
    method,
    headers: { authorization: `Bearer ${token}`, ...(body === undefined ? {} : { 'content-type': contentType }) },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const text = await res.text();
  return { code: res.status, body: text === '' ? undefined : (JSON.parse(text) as Record<string, any>) };
}

const canI = async (token: string, resourceAttributes: Record<string, string>) =>
  (await call(token, 'POST', '/apis/authorization.k8s.io/v1/selfsubjectaccessreviews', { apiVersion: 'authorization.k8s.io/v1', kind: 'SelfSubjectAccessReview', spec: { resourceAttributes } })).body!
    .status as { allowed: boolean; reason?: string };

beforeEach(async () => {
  emu = await startKubernetesEmulator({ readyDelayMs: 50, tickMs: 10 });
  emu.seedDeployment({ namespace: 'shop', name: 'api', container: 'api', image: 'reg/api:1' });
  worker = emu.serviceAccountToken('flightdeck', 'flightdeck-worker');
});

afterEach(async () => {
  await emu.close();
});

describe('kubernetes emulator: authentication and RBAC like kube-apiserver', () => {
  it('refuses a request no rule allows with the exact 403 Status, naming user, verb, resource, group and namespace', async () => {
    const r = await call(worker, 'PATCH', '/apis/apps/v1/namespaces/shop/deployments/api', { spec: { replicas: 2 } }, 'application/merge-patch+json');
    expect(r.code).toBe(403);
    expect(r.body).toEqual({
      kind: 'Status',
      apiVersion: 'v1',
      metadata: {},
      status: 'Failure',
      message: `deployments.apps "api" is forbidden: User "${WORKER}" cannot patch resource "deployments" in API group "apps" in the namespace "shop"`,
      reason: 'Forbidden',
      details: { name: 'api', group: 'apps', kind: 'deployments' },
      code: 403,
    });
    expect(emu.getDeployment('shop', 'api').spec.replicas).toBe(3);
  });

  it('names subresources, the core group and the cluster scope as the real server does', async () => {
    const log = await call(worker, 'GET', '/api/v1/namespaces/shop/pods/x/log');
    expect(log.body).toMatchObject({
      message: `pods "x" is forbidden: User "${WORKER}" cannot get resource "pods/log" in API group "" in the namespace "shop"`,
      details: { name: 'x', kind: 'pods' },
    });
    expect(log.body!.details.group).toBeUndefined();
    const all = await call(worker, 'GET', '/apis/apps/v1/deployments');
    expect(all.body!.message).toBe(`deployments.apps is forbidden: User "${WORKER}" cannot list resource "deployments" in API group "apps" at the cluster scope`);
  });

  it('allows what a Role bound in the namespace grants, and only there', async () => {
    emu.applyRbac([role(['get', 'patch']), binding({ kind: 'Role', name: 'deployer' })]);
    expect((await call(worker, 'GET', '/apis/apps/v1/namespaces/shop/deployments/api')).code).toBe(200);
    expect((await call(worker, 'PATCH', '/apis/apps/v1/namespaces/shop/deployments/api', { spec: { replicas: 2 } }, 'application/merge-patch+json')).code).toBe(200);
    expect((await call(worker, 'GET', '/apis/apps/v1/namespaces/shop/deployments')).code).toBe(403);
    emu.seedDeployment({ namespace: 'other', name: 'api', container: 'api', image: 'reg/api:1' });
    expect((await call(worker, 'GET', '/apis/apps/v1/namespaces/other/deployments/api')).code).toBe(403);
    // Re-applying a Role with one verb fewer takes it away, as `kubectl apply` would.
    emu.applyRbac([role(['get'])]);
    expect((await call(worker, 'PATCH', '/apis/apps/v1/namespaces/shop/deployments/api', { spec: { replicas: 1 } }, 'application/merge-patch+json')).code).toBe(403);
  });

  it('scopes a ClusterRole bound by a RoleBinding to that namespace; a ClusterRoleBinding grants everywhere', async () => {
    const clusterRole = { ...role(['list']), kind: 'ClusterRole', metadata: { name: 'lister' } };
    emu.applyRbac([clusterRole, binding({ kind: 'ClusterRole', name: 'lister' })]);
    expect((await call(worker, 'GET', '/apis/apps/v1/namespaces/shop/deployments')).code).toBe(200);
    expect((await call(worker, 'GET', '/apis/apps/v1/deployments')).code).toBe(403);
    emu.applyRbac([{ ...binding({ kind: 'ClusterRole', name: 'lister' }), kind: 'ClusterRoleBinding', metadata: { name: 'lister' } }]);
    const all = await call(worker, 'GET', '/apis/apps/v1/deployments');
    expect(all.code).toBe(200);
    expect(all.body!.items.map((d: any) => `${d.metadata.namespace}/${d.metadata.name}`)).toEqual(['shop/api']);
  });

  it('appends the reason when a binding points at a role that does not exist', async () => {
    emu.applyRbac([binding({ kind: 'Role', name: 'missing' })]);
    const r = await call(worker, 'GET', '/apis/apps/v1/namespaces/shop/deployments/api');
    expect(r.body!.message).toBe(
      `deployments.apps "api" is forbidden: User "${WORKER}" cannot get resource "deployments" in API group "apps" in the namespace "shop": RBAC: role.rbac.authorization.k8s.io "missing" not found`,
    );
  });

  it('answers SelfSubjectAccessReview and SelfSubjectReview for any authenticated caller; discovery too', async () => {
    emu.applyRbac([role(['create']), binding({ kind: 'Role', name: 'deployer' })]);
    expect(await canI(worker, { namespace: 'shop', verb: 'create', group: 'apps', resource: 'deployments' })).toEqual({
      allowed: true,
      reason: 'RBAC: allowed by RoleBinding "deployer/shop" of Role "deployer" to ServiceAccount "flightdeck-worker/flightdeck"',
    });
    expect(await canI(worker, { namespace: 'shop', verb: 'get', group: '', resource: 'secrets' })).toEqual({ allowed: false });
    expect(await canI(emu.token, { namespace: 'shop', verb: 'get', group: '', resource: 'secrets' })).toMatchObject({ allowed: true });
    const whoami = await call(worker, 'POST', '/apis/authentication.k8s.io/v1/selfsubjectreviews', { apiVersion: 'authentication.k8s.io/v1', kind: 'SelfSubjectReview' });
    expect(whoami.body!.status.userInfo).toEqual({ username: WORKER, groups: ['system:serviceaccounts', 'system:serviceaccounts:flightdeck', 'system:authenticated'] });
    expect((await call(worker, 'GET', '/apis/apps/v1')).code).toBe(200);
    expect((await call(worker, 'POST', '/apis/authorization.k8s.io/v1/selfsubjectaccessreviews', { spec: {} })).code).toBe(422);
  });

  it('lets the admin token do anything and answers an unknown token with 401', async () => {
    expect((await call(emu.token, 'DELETE', '/apis/apps/v1/namespaces/shop/deployments/api')).code).toBe(200);
    const r = await call('not-a-token', 'GET', '/apis/apps/v1/namespaces/shop/deployments');
    expect(r.code).toBe(401);
    expect(r.body).toMatchObject({ reason: 'Unauthorized', code: 401 });
    expect(emu.requests.at(-1)).toMatchObject({ user: undefined });
    expect(emu.requests.at(-2)).toMatchObject({ user: 'kubernetes-admin', attributes: { verb: 'delete', apiGroup: 'apps', resource: 'deployments', namespace: 'shop', name: 'api' } });
  });
});
