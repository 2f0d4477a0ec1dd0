import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { FlightdeckError } from '../../src/errors/flightdeck-error.js';
import { pinActiveService, switchBack, switchToPreview, unpinActiveService } from '../../src/k8s/blue-green-traffic.js';
import { type ClusterClient, createClusterAccess } from '../../src/k8s/create-cluster-access.js';
import { readServiceSelector, setServiceSelector } from '../../src/k8s/set-service-selector.js';
import { type KubernetesEmulator, startKubernetesEmulator } from '../../sandbox/kubernetes/index.js';

const ref = { namespace: 'prod', activeService: 'web', previewService: 'web-preview' };
let emu: KubernetesEmulator;
let dir: string;
let client: ClusterClient;
/** The running ReplicaSet's pod-template-hash: the old version's pods. */
let hash: string;

const selector = (name: string) => emu.get('services', 'prod', name)!.spec.selector as Record<string, string>;
const servicePatches = () => emu.requests.filter((r) => r.method === 'PATCH' && r.path.includes('/services/')).length;

beforeEach(async () => {
  emu = await startKubernetesEmulator({ readyDelayMs: 50, tickMs: 10 });
  dir = await mkdtemp(join(tmpdir(), 'k8s-blue-green-'));
  emu.writeKubeconfig(join(dir, 'kubeconfig'), 'emu');
  client = createClusterAccess({ kubeconfigPath: join(dir, 'kubeconfig') }).forContext('emu');
  emu.seedDeployment({ namespace: 'prod', name: 'web', container: 'web', image: 'reg/web:1', replicas: 2, labels: { app: 'web', tier: 'front' } });
  hash = emu.listReplicaSets('prod')[0]!.metadata.labels['pod-template-hash'] as string;
  for (const name of ['web', 'web-preview']) {
    emu.create('services', 'prod', { apiVersion: 'v1', kind: 'Service', metadata: { name }, spec: { selector: { app: 'web', tier: 'front' }, ports: [{ port: 80 }] } });
  }
});

afterEach(async () => {
  await emu.close();
  await rm(dir, { recursive: true, force: true });
});

describe('blue-green traffic through Service selectors', () => {
  it('pins the active Service to the old pods once, switches, switches back and unpins, each idempotent', async () => {
    expect(await pinActiveService(client, ref, hash)).toEqual({ original: { app: 'web', tier: 'front' }, old: { app: 'web', tier: 'front', 'pod-template-hash': hash } });
    expect(selector('web')).toEqual({ app: 'web', tier: 'front', 'pod-template-hash': hash });
    expect(selector('web-preview')).toEqual({ app: 'web', tier: 'front', track: 'preview' });
    // A re-run keeps the first pin, even given another hash, and sends nothing.
    const sent = servicePatches();
    expect((await pinActiveService(client, ref, 'zzz999')).old['pod-template-hash']).toBe(hash);
    expect(servicePatches()).toBe(sent);

    expect(await switchToPreview(client, ref)).toEqual({ changed: true });
    expect(selector('web')).toEqual({ app: 'web', tier: 'front', track: 'preview' });
    expect(await switchToPreview(client, ref)).toEqual({ changed: false });

    expect(await switchBack(client, ref)).toEqual({ pinned: true, changed: true });
    expect(selector('web')).toEqual({ app: 'web', tier: 'front', 'pod-template-hash': hash });
    expect(await switchBack(client, ref)).toEqual({ pinned: true, changed: false });

    expect(await unpinActiveService(client, ref)).toEqual({ changed: true });
    expect(selector('web')).toEqual({ app: 'web', tier: 'front' });
    expect(Object.keys(emu.get('services', 'prod', 'web')!.metadata.annotations ?? {})).toEqual([]);
    expect(await unpinActiveService(client, ref)).toEqual({ changed: false });
    expect(await switchBack(client, ref)).toEqual({ pinned: false, changed: false });
  });

  it('leaves traffic where it is when the old version has no ready pod left to take it back', async () => {
    // Pinned to a ReplicaSet that is gone, as after a promotion replaced the old pods.
    await pinActiveService(client, ref, 'gone000');
    await switchToPreview(client, ref);
    const sent = servicePatches();
    expect(await switchBack(client, ref)).toEqual({ pinned: true, changed: false, oldGone: true });
    expect(servicePatches()).toBe(sent);
    expect(selector('web')).toEqual({ app: 'web', tier: 'front', track: 'preview' });
  });

  it('refuses to switch a Service no preview step prepared, and to pin one without a selector', async () => {
    await expect(switchToPreview(client, ref)).rejects.toMatchObject({ code: 'k8s-invalid', message: expect.stringContaining('was not prepared by a preview step') });
    emu.create('services', 'prod', { apiVersion: 'v1', kind: 'Service', metadata: { name: 'bare' }, spec: { ports: [{ port: 80 }] } });
    const error = await pinActiveService(client, { ...ref, activeService: 'bare' }, 'abc123').catch((err: unknown) => err);
    expect(error).toBeInstanceOf(FlightdeckError);
    expect(error).toMatchObject({ code: 'k8s-invalid', message: 'service prod/bare has no selector, so flightdeck cannot switch its traffic' });
  });

  it('sends a selector change with the resourceVersion read, so a concurrent edit is a conflict', async () => {
    const web = { namespace: 'prod', service: 'web' };
    const read = await readServiceSelector(client, web);
    // Someone else edits the Service after it was read.
    expect(await setServiceSelector(client, web, await readServiceSelector(client, web), read.selector, { 'example.com/owner': 'team-a' })).toEqual({ changed: true });
    await expect(setServiceSelector(client, web, read, { app: 'other' })).rejects.toMatchObject({ code: 'k8s-conflict' });
    expect(selector('web')).toEqual({ app: 'web', tier: 'front' });
  });

  it('with a route, switches by weights 0/100 and back 100/0, the active Service staying pinned', async () => {
    emu.create('httproutes', 'prod', {
      apiVersion: 'gateway.networking.k8s.io/v1',
      kind: 'HTTPRoute',
      metadata: { name: 'web' },
      spec: { parentRefs: [{ name: 'public' }], rules: [{ backendRefs: [{ name: 'web', port: 80 }] }] },
    });
    const routed = { ...ref, route: 'web' };
    const weights = () => (emu.get('httproutes', 'prod', 'web')!.spec.rules[0].backendRefs as Array<{ name: string; weight: number }>).map((b) => `${b.name}=${b.weight}`);
    await pinActiveService(client, routed, hash);
    await switchToPreview(client, routed);
    expect(weights()).toEqual(['web=0', 'web-preview=100']);
    expect(selector('web')).toEqual({ app: 'web', tier: 'front', 'pod-template-hash': hash });
    expect(await switchBack(client, routed)).toEqual({ pinned: true, changed: true });
    expect(weights()).toEqual(['web=100', 'web-preview=0']);
    await unpinActiveService(client, routed);
    expect(selector('web')).toEqual({ app: 'web', tier: 'front' });
  });
});
