import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type ClusterClient, createClusterAccess } from '../../src/k8s/create-cluster-access.js';
import { dryRunWrites } from '../../src/k8s/dry-run-writes.js';
import { FlightdeckError } from '../../src/errors/flightdeck-error.js';
import { type KubernetesEmulator, startKubernetesEmulator } from '../../sandbox/kubernetes/index.js';

const ref = { namespace: 'prod', deployment: 'web', container: 'web' };
const route = { namespace: 'prod', route: 'web', stableService: 'web', canaryService: 'web-canary' };
const planned = { ref, image: 'reg/web:2.0.0', changeCause: 'flightdeck run #(next): web 2.0.0 to production requested by U1', setsImage: true, canaryReplicas: 1, traffic: { route, weights: [10, 100] } };
let emu: KubernetesEmulator;
let dir: string;
let client: ClusterClient;

beforeEach(async () => {
  emu = await startKubernetesEmulator({ readyDelayMs: 50, tickMs: 10 });
  dir = await mkdtemp(join(tmpdir(), 'k8s-dry-run-'));
  emu.writeKubeconfig(join(dir, 'kubeconfig'), 'emu');
  client = createClusterAccess({ kubeconfigPath: join(dir, 'kubeconfig') }).forContext('emu');
  emu.seedDeployment({ namespace: 'prod', name: 'web', container: 'web', image: 'reg/web:1.0.0', replicas: 4 });
  emu.create('httproutes', 'prod', {
    apiVersion: 'gateway.networking.k8s.io/v1',
    kind: 'HTTPRoute',
    metadata: { name: 'web' },
    spec: { parentRefs: [{ name: 'public' }], rules: [{ backendRefs: [{ name: 'web', port: 8080 }] }] },
  });
});

afterEach(async () => {
  await emu.close();
  await rm(dir, { recursive: true, force: true });
});

describe('dryRunWrites', () => {
  it('sends every write of the run with dryRun=All and shows what would change; the cluster is unchanged', async () => {
    const before = { web: emu.getDeployment('prod', 'web'), route: emu.get('httproutes', 'prod', 'web') };
    const writes = await dryRunWrites(client, planned);
    expect(writes).toEqual([
      {
        kind: 'Deployment', name: 'prod/web', verb: 'patch', step: 'set-image',
        changes: [
          { field: 'image of container web', from: 'reg/web:1.0.0', to: 'reg/web:2.0.0' },
          { field: 'annotation kubernetes.io/change-cause', to: planned.changeCause },
        ],
      },
      { kind: 'Deployment', name: 'prod/web-canary', verb: 'create', step: 'canary', changes: [{ field: 'image of container web', to: 'reg/web:2.0.0' }, { field: 'annotation flightdeck.dev/canary-of', to: 'web' }, { field: 'replicas', to: '1' }] },
      { kind: 'HTTPRoute', name: 'prod/web', verb: 'patch', step: 'traffic 10%', changes: [{ field: 'weight of backend web (rule 1)', to: '90' }, { field: 'weight of backend web-canary (rule 1)', to: '10' }] },
      { kind: 'HTTPRoute', name: 'prod/web', verb: 'patch', step: 'traffic 100%', changes: [{ field: 'weight of backend web (rule 1)', to: '0' }, { field: 'weight of backend web-canary (rule 1)', to: '100' }] },
    ]);
    const writesSent = emu.requests.filter((r) => r.method !== 'GET');
    expect(writesSent.length).toBe(4);
    expect(writesSent.every((r) => r.query.dryRun === 'All')).toBe(true);
    expect(emu.getDeployment('prod', 'web')).toEqual(before.web);
    expect(emu.get('httproutes', 'prod', 'web')).toEqual(before.route);
    expect(emu.get('deployments', 'prod', 'web-canary')).toBeUndefined();
  });

  it('is refused as the write would be: a worker that may not patch gets k8s-forbidden naming the verb', async () => {
    const worker = emu.serviceAccountToken('flightdeck', 'flightdeck-worker');
    emu.applyRbac([
      { apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'Role', metadata: { name: 'reader', namespace: 'prod' }, rules: [{ apiGroups: ['apps'], resources: ['deployments'], verbs: ['get'] }] },
      {
        apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'RoleBinding', metadata: { name: 'reader', namespace: 'prod' },
        roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: 'reader' },
        subjects: [{ kind: 'ServiceAccount', name: 'flightdeck-worker', namespace: 'flightdeck' }],
      },
    ]);
    emu.writeKubeconfig(join(dir, 'worker'), 'emu', worker);
    const limited = createClusterAccess({ kubeconfigPath: join(dir, 'worker') }).forContext('emu');
    const err = await dryRunWrites(limited, { ref, image: planned.image, changeCause: planned.changeCause, setsImage: true }).then(() => undefined, (e: unknown) => e);
    expect(err).toBeInstanceOf(FlightdeckError);
    expect((err as FlightdeckError).code).toBe('k8s-forbidden');
    expect((err as FlightdeckError).message).toMatch(/patch/);
  });
});
