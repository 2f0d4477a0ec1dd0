import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type KubernetesEmulator, startKubernetesEmulator } from './index.js';

/** kube-apiserver's server-side dry run (`dryRun=All`): the answer of the write, nothing stored, the same checks. */
let emu: KubernetesEmulator;

const WORKER = 'system:serviceaccount:flightdeck:flightdeck-worker';
const DEPLOYMENT = '/apis/apps/v1/namespaces/shop/deployments';

async function call(token: string, method: string, path: string, body?: unknown, contentType = 'application/json') {
  const res = await fetch(`${emu.url}${path}`, {
    method,
    headers: { authorization: `Bearer ${token}`, ...(body === undefined ? {} : { 'content-type': contentType }) },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const text = await res.text();
  return { code: res.status, body: text === '' ? undefined : (JSON.parse(text) as Record<string, any>) };
}

const imagePatch = (image: string) => ({ spec: { template: { spec: { containers: [{ name: 'api', image }] } } } });
const SMP = 'application/strategic-merge-patch+json';

beforeEach(async () => {
  emu = await startKubernetesEmulator({ readyDelayMs: 50, tickMs: 10 });
  emu.seedDeployment({ namespace: 'shop', name: 'api', container: 'api', image: 'reg/api:1' });
});

afterEach(async () => {
  await emu.close();
});

describe('kubernetes emulator: dryRun=All', () => {
  it('answers a patch with the object as it would be and stores nothing', async () => {
    const before = (await call(emu.token, 'GET', `${DEPLOYMENT}/api`)).body!;
    expect(before.spec.template.spec.containers[0].image).toBe('reg/api:1');
    const dry = await call(emu.token, 'PATCH', `${DEPLOYMENT}/api?dryRun=All`, imagePatch('reg/api:2'), SMP);
    expect(dry.code).toBe(200);
    expect(dry.body!.spec.template.spec.containers[0].image).toBe('reg/api:2');
    expect(dry.body!.metadata.generation).toBe(before.metadata.generation + 1);
    expect(dry.body!.metadata.resourceVersion).toBe(before.metadata.resourceVersion);
    const after = (await call(emu.token, 'GET', `${DEPLOYMENT}/api`)).body!;
    expect(after).toEqual(before);
  });

  it('answers a create with the defaulted object and stores nothing; validation still refuses', async () => {
    const body = {
      metadata: { name: 'api-canary' },
      spec: { replicas: 1, selector: { matchLabels: { app: 'api', track: 'canary' } }, template: { metadata: { labels: { app: 'api', track: 'canary' } }, spec: { containers: [{ name: 'api', image: 'reg/api:2' }] } } },
    };
    const dry = await call(emu.token, 'POST', `${DEPLOYMENT}?dryRun=All`, body);
    expect(dry.code).toBe(201);
    expect(dry.body!.metadata).toMatchObject({ name: 'api-canary', namespace: 'shop', generation: 1 });
    expect(dry.body!.metadata.uid).toEqual(expect.any(String));
    expect((await call(emu.token, 'GET', `${DEPLOYMENT}/api-canary`)).code).toBe(404);
    const noName = await call(emu.token, 'POST', `${DEPLOYMENT}?dryRun=All`, { ...body, metadata: {} });
    expect(noName.code).toBe(400);
  });

  it('refuses a dryRun value other than All as kube-apiserver validates the options: 422 Invalid', async () => {
    const res = await call(emu.token, 'PATCH', `${DEPLOYMENT}/api?dryRun=Server`, imagePatch('reg/api:2'), SMP);
    expect(res.code).toBe(422);
    expect(res.body).toMatchObject({
      kind: 'Status',
      reason: 'Invalid',
      message: 'PatchOptions.meta.k8s.io "" is invalid: dryRun: Unsupported value: []string{"Server"}: supported values: "All"',
      details: { group: 'meta.k8s.io', kind: 'PatchOptions', causes: [{ reason: 'FieldValueNotSupported', field: 'dryRun' }] },
    });
    expect((await call(emu.token, 'GET', `${DEPLOYMENT}/api`)).body!.spec.template.spec.containers[0].image).toBe('reg/api:1');
  });

  it('needs the same verbs as the write: a dry-run patch without patch is 403 Forbidden', async () => {
    const worker = emu.serviceAccountToken('flightdeck', 'flightdeck-worker');
    emu.applyRbac([
      { apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'Role', metadata: { name: 'reader', namespace: 'shop' }, rules: [{ apiGroups: ['apps'], resources: ['deployments'], verbs: ['get'] }] },
      {
        apiVersion: 'rbac.authorization.k8s.io/v1',
        kind: 'RoleBinding',
        metadata: { name: 'reader', namespace: 'shop' },
        roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: 'reader' },
        subjects: [{ kind: 'ServiceAccount', name: 'flightdeck-worker', namespace: 'flightdeck' }],
      },
    ]);
    expect((await call(worker, 'GET', `${DEPLOYMENT}/api`)).code).toBe(200);
    const res = await call(worker, 'PATCH', `${DEPLOYMENT}/api?dryRun=All`, imagePatch('reg/api:2'), SMP);
    expect(res.code).toBe(403);
    expect(res.body!.message).toBe(`deployments.apps "api" is forbidden: User "${WORKER}" cannot patch resource "deployments" in API group "apps" in the namespace "shop"`);
  });
});
