import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ApiException, PatchStrategy, setHeaderOptions } from '@kubernetes/client-node';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type ClusterClient, createClusterAccess } from '../../src/k8s/create-cluster-access.js';
import { ensureCanary } from '../../src/k8s/ensure-canary.js';
import { scaleDeployment } from '../../src/k8s/scale-deployment.js';
import { setRouteWeights } from '../../src/k8s/set-route-weights.js';
import { waitForRollout } from '../../src/k8s/wait-for-rollout.js';
import { type KubernetesEmulator, startKubernetesEmulator } from '../../sandbox/kubernetes/index.js';
import { caughtFlightdeckError } from '../support/caught-flightdeck-error.js';

const ref = { namespace: 'prod', deployment: 'web', container: 'web' };
const route = { namespace: 'prod', route: 'web', stableService: 'web', canaryService: 'web-canary' };
let emu: KubernetesEmulator;
let dir: string;
let client: ClusterClient;

beforeEach(async () => {
  emu = await startKubernetesEmulator({ readyDelayMs: 50, tickMs: 10 });
  dir = await mkdtemp(join(tmpdir(), 'k8s-canary-'));
  emu.writeKubeconfig(join(dir, 'kubeconfig'), 'emu');
  client = createClusterAccess({ kubeconfigPath: join(dir, 'kubeconfig') }).forContext('emu');
  emu.seedDeployment({ namespace: 'prod', name: 'web', container: 'web', image: 'reg/web:1.0.0', replicas: 4 });
  emu.create('httproutes', 'prod', {
    apiVersion: 'gateway.networking.k8s.io/v1',
    kind: 'HTTPRoute',
    metadata: { name: 'web' },
    spec: {
      parentRefs: [{ name: 'public' }],
      hostnames: ['web.example.com'],
      rules: [
        { matches: [{ path: { type: 'PathPrefix', value: '/' } }], backendRefs: [{ name: 'web', port: 8080 }] },
        { matches: [{ path: { type: 'PathPrefix', value: '/admin' } }], backendRefs: [{ name: 'admin', port: 9090 }] },
      ],
    },
  });
});

afterEach(async () => {
  await emu.close();
  await rm(dir, { recursive: true, force: true });
});

const soon = () => ({ deadline: Date.now() + 15_000, now: Date.now });
const weights = () => emu.get('httproutes', 'prod', 'web')?.spec.rules.map((r: { backendRefs: Array<{ name: string; weight?: number }> }) => r.backendRefs.map((b) => `${b.name}=${b.weight ?? '-'}`));

describe('ensureCanary and scaleDeployment', () => {
  it('creates web-canary from the stable template with the new image and its own track label and selector', async () => {
    const result = await ensureCanary(client, ref, 'reg/web:2.0.0');
    expect(result).toEqual({ name: 'web-canary', created: true, updated: false });
    const canary = emu.getDeployment('prod', 'web-canary');
    expect(canary.spec.selector.matchLabels).toEqual({ app: 'web', track: 'canary' });
    expect(canary.spec.template.metadata.labels).toEqual({ app: 'web', track: 'canary' });
    expect(canary.spec.template.spec.containers[0].image).toBe('reg/web:2.0.0');
    expect(canary.spec.replicas).toBe(1);
    await waitForRollout(client, { namespace: 'prod', deployment: 'web-canary' }, soon());
    // The stable Deployment is untouched.
    expect(emu.getDeployment('prod', 'web').spec.template.spec.containers[0].image).toBe('reg/web:1.0.0');
    expect(emu.getDeployment('prod', 'web').metadata.generation).toBe(1);
  });

  it('is idempotent and moves an existing canary to a newer image', async () => {
    await ensureCanary(client, ref, 'reg/web:2.0.0');
    await expect(ensureCanary(client, ref, 'reg/web:2.0.0')).resolves.toEqual({ name: 'web-canary', created: false, updated: false });
    await expect(ensureCanary(client, ref, 'reg/web:2.0.1')).resolves.toEqual({ name: 'web-canary', created: false, updated: true });
    expect(emu.getDeployment('prod', 'web-canary').spec.template.spec.containers[0].image).toBe('reg/web:2.0.1');
    expect(emu.requests.filter((r) => r.method === 'POST')).toHaveLength(1);
  });

  it('a container that does not exist is k8s-invalid, and nothing is created', async () => {
    const err = await caughtFlightdeckError(ensureCanary(client, { ...ref, container: 'nope' }, 'reg/web:2'));
    expect(err.code).toBe('k8s-invalid');
    expect(err.message).toMatch(/no container "nope"; its containers are: web/);
    expect(emu.get('deployments', 'prod', 'web-canary')).toBeUndefined();
  });

  it('scales a canary down to zero, once', async () => {
    await ensureCanary(client, ref, 'reg/web:2.0.0', { replicas: 2 });
    await expect(scaleDeployment(client, { namespace: 'prod', deployment: 'web-canary' }, 0)).resolves.toEqual({ changed: true });
    await expect(scaleDeployment(client, { namespace: 'prod', deployment: 'web-canary' }, 0)).resolves.toEqual({ changed: false });
    await waitForRollout(client, { namespace: 'prod', deployment: 'web-canary' }, soon());
    expect(emu.list('pods', 'prod').filter((p) => p.metadata.labels.track === 'canary')).toHaveLength(0);
    expect((await caughtFlightdeckError(scaleDeployment(client, { namespace: 'prod', deployment: 'web-canary' }, -1))).code).toBe('k8s-invalid');
  });
});

describe('setRouteWeights', () => {
  it('steps 5 → 25 → 50 → 100 → back to stable by merge patch, leaving other rules alone', async () => {
    await setRouteWeights(client, route, 5);
    expect(weights()).toEqual([['web=95', 'web-canary=5'], ['admin=-']]);
    const patch = emu.requests.find((r) => r.method === 'PATCH');
    expect(patch).toMatchObject({ contentType: 'application/merge-patch+json', path: '/apis/gateway.networking.k8s.io/v1/namespaces/prod/httproutes/web' });
    // The canary backend is added on the stable backend's port.
    expect(emu.get('httproutes', 'prod', 'web')?.spec.rules[0].backendRefs[1]).toEqual({ name: 'web-canary', port: 8080, weight: 5 });
    for (const p of [25, 50, 100]) await setRouteWeights(client, route, p);
    expect(weights()).toEqual([['web=0', 'web-canary=100'], ['admin=-']]);
    await expect(setRouteWeights(client, route, 0)).resolves.toEqual({ changed: true, stableWeight: 100, canaryWeight: 0 });
    expect(weights()).toEqual([['web=100', 'web-canary=0'], ['admin=-']]);
    expect(emu.get('httproutes', 'prod', 'web')?.spec.hostnames).toEqual(['web.example.com']);
  });

  it('is idempotent: the same percentage twice sends one patch', async () => {
    await setRouteWeights(client, route, 25);
    await expect(setRouteWeights(client, route, 25)).resolves.toEqual({ changed: false, stableWeight: 75, canaryWeight: 25 });
    expect(emu.requests.filter((r) => r.method === 'PATCH')).toHaveLength(1);
  });

  it('a 409 is k8s-conflict for the caller to retry; the retry applies the weights', async () => {
    emu.failNext(1, 409, { method: 'PATCH', pathIncludes: '/httproutes/' });
    const err = await caughtFlightdeckError(setRouteWeights(client, route, 50));
    expect(err.code).toBe('k8s-conflict');
    expect(err.retryable).toBe(true);
    expect(weights()).toEqual([['web=-'], ['admin=-']]);
    await setRouteWeights(client, route, 50);
    expect(weights()).toEqual([['web=50', 'web-canary=50'], ['admin=-']]);
  });

  it('rejects a bad percentage and a route without the stable Service, naming what it found', async () => {
    expect((await caughtFlightdeckError(setRouteWeights(client, route, 101))).message).toMatch(/whole percentage from 0 to 100/);
    const err = await caughtFlightdeckError(setRouteWeights(client, { ...route, stableService: 'api', canaryService: 'api-canary' }, 5));
    expect(err.code).toBe('k8s-invalid');
    expect(err.message).toBe('httproute prod/web has no rule routing to Service "api"; its backends are: web, admin');
    expect((await caughtFlightdeckError(setRouteWeights(client, { ...route, route: 'nope' }, 5))).code).toBe('k8s-not-found');
    expect(emu.requests.filter((r) => r.method === 'PATCH')).toHaveLength(0);
  });

  it('the emulator refuses strategic merge on HTTPRoutes, as a real server does for custom resources', async () => {
    const err = await client.custom
      .patchNamespacedCustomObject(
        { group: 'gateway.networking.k8s.io', version: 'v1', namespace: 'prod', plural: 'httproutes', name: 'web', body: { spec: {} } },
        setHeaderOptions('Content-Type', PatchStrategy.StrategicMergePatch),
      )
      .then(() => undefined, (e: unknown) => e);
    expect(err).toBeInstanceOf(ApiException);
    expect((err as ApiException<string>).code).toBe(415);
  });
});
