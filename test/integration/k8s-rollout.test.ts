import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { FlightdeckError } from '../../src/errors/flightdeck-error.js';
import { type ClusterClient, createClusterAccess } from '../../src/k8s/create-cluster-access.js';
import { readDeploymentSnapshot } from '../../src/k8s/read-deployment-snapshot.js';
import { setImage } from '../../src/k8s/set-image.js';
import { waitForRollout } from '../../src/k8s/wait-for-rollout.js';
import { type KubernetesEmulator, startKubernetesEmulator } from '../../sandbox/kubernetes/index.js';
import { caughtFlightdeckError } from '../support/caught-flightdeck-error.js';

const ref = { namespace: 'prod', deployment: 'web', container: 'web' };
let emu: KubernetesEmulator;
let dir: string;
let client: ClusterClient;

async function setup(readyDelayMs: number): Promise<void> {
  emu = await startKubernetesEmulator({ readyDelayMs, tickMs: 10 });
  dir = await mkdtemp(join(tmpdir(), 'k8s-rollout-'));
  emu.writeKubeconfig(join(dir, 'kubeconfig'), 'emu-prod');
  client = createClusterAccess({ kubeconfigPath: join(dir, 'kubeconfig') }).forContext('emu-prod');
}

afterEach(async () => {
  await emu.close();
  await rm(dir, { recursive: true, force: true });
});

const watches = () => emu.requests.filter((r) => r.method === 'GET' && r.query.watch === 'true');
const lists = () => emu.requests.filter((r) => r.method === 'GET' && r.path.endsWith('/deployments') && r.query.watch === undefined);
const soon = () => ({ deadline: Date.now() + 15_000, now: Date.now });

describe('set-image and wait-rollout against the emulator', () => {
  beforeEach(() => setup(150));

  it('restarts the progress deadline for a rollout that begins long after the last one finished', async () => {
    emu.seedDeployment({ namespace: 'prod', name: 'web', container: 'web', image: 'reg/web:1.0.0', replicas: 3, progressDeadlineSeconds: 1 });
    await waitForRollout(client, ref, soon());
    await new Promise((resolve) => setTimeout(resolve, 1500));
    await setImage(client, ref, 'reg/web:1.1.0', 'late rollout');
    const outcome = await waitForRollout(client, ref, soon());
    expect(outcome.message).toBe('deployment "web" successfully rolled out');
  });

  it('records the snapshot, sets the image, and waits by watch until kubectl would say done', async () => {
    emu.seedDeployment({ namespace: 'prod', name: 'web', container: 'web', image: 'reg/web:1.0.0', replicas: 3 });
    const snapshot = await readDeploymentSnapshot(client, ref);
    expect(snapshot).toMatchObject({ revision: '1', image: 'reg/web:1.0.0', generation: 1 });
    expect(snapshot.template).toMatchObject({ metadata: { labels: { app: 'web' } }, spec: { containers: [{ name: 'web', image: 'reg/web:1.0.0' }] } });

    const result = await setImage(client, ref, 'reg/web:1.1.0', 'flightdeck run 42: web 1.1.0 by alice');
    expect(result).toEqual({ generation: 2, changed: true });
    const patch = emu.requests.find((r) => r.method === 'PATCH');
    expect(patch?.contentType).toBe('application/strategic-merge-patch+json');

    const progress: string[] = [];
    const outcome = await waitForRollout(client, ref, { ...soon(), onProgress: (m) => progress.push(m) });
    expect(outcome.message).toBe('deployment "web" successfully rolled out');
    // The moves on the way are progress; the end is the result's alone.
    expect(progress.length).toBeGreaterThan(0);
    expect(progress.every((m) => m.startsWith('Waiting for deployment'))).toBe(true);
    expect(new Set(progress).size).toBe(progress.length);
    // A watch, not polling: one list, then a watch from its resourceVersion on the one Deployment.
    expect(lists()).toHaveLength(1);
    expect(watches()[0]?.query).toMatchObject({ fieldSelector: 'metadata.name=web', resourceVersion: expect.stringMatching(/^\d+$/) });

    const after = await readDeploymentSnapshot(client, ref);
    expect(after).toMatchObject({ revision: '2', image: 'reg/web:1.1.0', changeCause: 'flightdeck run 42: web 1.1.0 by alice' });
    const rs = emu.listReplicaSets('prod').find((r) => r.metadata.annotations['deployment.kubernetes.io/revision'] === '2');
    expect(rs?.metadata.annotations['kubernetes.io/change-cause']).toBe('flightdeck run 42: web 1.1.0 by alice');
    expect(emu.getDeployment('prod', 'web')?.status).toMatchObject({ replicas: 3, updatedReplicas: 3, availableReplicas: 3 });
  });

  it('setImage twice sends one patch and makes one new revision', async () => {
    emu.seedDeployment({ namespace: 'prod', name: 'web', container: 'web', image: 'reg/web:1.0.0', replicas: 2 });
    const first = await setImage(client, ref, 'reg/web:2.0.0', 'run 7');
    const second = await setImage(client, ref, 'reg/web:2.0.0', 'run 7');
    expect(first.changed).toBe(true);
    expect(second).toEqual({ generation: first.generation, changed: false });
    expect(emu.requests.filter((r) => r.method === 'PATCH')).toHaveLength(1);
    await waitForRollout(client, ref, soon());
    expect(emu.listReplicaSets('prod').map((r) => r.metadata.annotations['deployment.kubernetes.io/revision']).sort()).toEqual(['1', '2']);
  });

  it('a container that does not exist is k8s-invalid naming the real containers', async () => {
    emu.seedDeployment({ namespace: 'prod', name: 'web', container: 'app', image: 'reg/web:1.0.0' });
    const err = await caughtFlightdeckError(setImage(client, ref, 'reg/web:2.0.0', 'run 1'));
    expect(err.code).toBe('k8s-invalid');
    expect(err.message).toContain('"web"');
    expect(err.message).toContain('app');
    expect((await caughtFlightdeckError(readDeploymentSnapshot(client, ref))).code).toBe('k8s-invalid');
  });

  it('still completes when the watch is dropped mid-rollout, resuming from the last resourceVersion', async () => {
    emu.seedDeployment({ namespace: 'prod', name: 'web', container: 'web', image: 'reg/web:1.0.0', replicas: 3 });
    await setImage(client, ref, 'reg/web:1.1.0', 'run 9');
    let dropped = false;
    const outcome = await waitForRollout(client, ref, {
      ...soon(),
      onProgress: (m) => {
        if (!dropped && m.includes('new replicas have been updated')) {
          dropped = true;
          // Let the watch connect first, then cut it.
          setTimeout(() => emu.dropWatches(), 30);
        }
      },
    });
    expect(dropped).toBe(true);
    expect(outcome.message).toBe('deployment "web" successfully rolled out');
    expect(watches().length).toBeGreaterThanOrEqual(2);
    expect(Number(watches()[1]?.query.resourceVersion)).toBeGreaterThanOrEqual(Number(watches()[0]?.query.resourceVersion));
    expect(lists()).toHaveLength(1);
  });

  it('re-lists after a 410 Expired when the watch history was compacted', async () => {
    emu.seedDeployment({ namespace: 'prod', name: 'web', container: 'web', image: 'reg/web:1.0.0', replicas: 3 });
    await setImage(client, ref, 'reg/web:1.1.0', 'run 10');
    let compacted = false;
    const outcome = await waitForRollout(client, ref, {
      ...soon(),
      onProgress: (m) => {
        if (!compacted && m.includes('new replicas have been updated')) {
          compacted = true;
          setTimeout(() => {
            emu.compactHistory();
            emu.dropWatches();
          }, 30);
        }
      },
    });
    expect(compacted).toBe(true);
    expect(outcome.message).toBe('deployment "web" successfully rolled out');
    expect(lists().length).toBeGreaterThanOrEqual(2);
  });

  it('rollout-timeout when the deadline passes first', async () => {
    emu.seedDeployment({ namespace: 'prod', name: 'web', container: 'web', image: 'reg/web:1.0.0', replicas: 1 });
    emu.neverReady('reg/web:stuck');
    await setImage(client, ref, 'reg/web:stuck', 'run 11');
    const err = await caughtFlightdeckError(waitForRollout(client, ref, { deadline: Date.now() + 400, now: Date.now }));
    expect(err.code).toBe('rollout-timeout');
    expect(err.message).toContain('last status: Waiting for deployment "web" rollout to finish');
    expect(err.retryable).toBe(false);
    // It was waiting on a watch when the deadline came, for a rollout that had indeed not finished.
    expect(watches().length).toBeGreaterThanOrEqual(1);
    const stuck = emu.listReplicaSets('prod').find((rs) => rs.spec.template.spec.containers[0].image === 'reg/web:stuck');
    expect(stuck?.status.readyReplicas ?? 0).toBe(0);
  });

  it('stops when the signal aborts', async () => {
    emu.seedDeployment({ namespace: 'prod', name: 'web', container: 'web', image: 'reg/web:1.0.0', replicas: 1 });
    emu.neverReady('reg/web:stuck');
    await setImage(client, ref, 'reg/web:stuck', 'run 12');
    const ac = new AbortController();
    setTimeout(() => ac.abort(new FlightdeckError('rollout-timeout', 'run cancelled')), 200);
    const err = await caughtFlightdeckError(waitForRollout(client, ref, { ...soon(), signal: ac.signal }));
    expect(err.message).toBe('run cancelled');
  });
});

describe('failure mapping against the emulator', () => {
  beforeEach(() => setup(100));

  it('a never-ready image with progressDeadlineSeconds 2 fails the rollout', async () => {
    emu.seedDeployment({ namespace: 'prod', name: 'web', container: 'web', image: 'reg/web:1.0.0', replicas: 2, progressDeadlineSeconds: 2 });
    emu.neverReady('reg/web:broken');
    await setImage(client, ref, 'reg/web:broken', 'run 13');
    const err = await caughtFlightdeckError(waitForRollout(client, ref, soon()));
    // Failed because the Deployment's own progress deadline passed, as the controller records it.
    const progressing = (emu.getDeployment('prod', 'web').status.conditions as Array<{ type: string; reason: string }>).find((c) => c.type === 'Progressing');
    expect(progressing?.reason).toBe('ProgressDeadlineExceeded');
    expect(err.code).toBe('rollout-failed');
    expect(err.message).toContain('deployment "web" exceeded its progress deadline');
    expect(err.retryable).toBe(false);

    // Going back to the old template reuses revision 1's ReplicaSet as revision 3 and completes.
    await setImage(client, ref, 'reg/web:1.0.0', 'rollback of run 13');
    await expect(waitForRollout(client, ref, soon())).resolves.toEqual({ message: 'deployment "web" successfully rolled out' });
    expect((await readDeploymentSnapshot(client, ref)).revision).toBe('3');
    expect(emu.listReplicaSets('prod')).toHaveLength(2);
  });

  it('RBAC denial of patch is k8s-forbidden naming the verb, the resource and the API server message', async () => {
    emu.seedDeployment({ namespace: 'prod', name: 'web', container: 'web', image: 'reg/web:1.0.0' });
    emu.forbid({ verb: 'patch', resource: 'deployments', namespace: 'prod' });
    const err = await caughtFlightdeckError(setImage(client, ref, 'reg/web:2.0.0', 'run 14'));
    expect(err.code).toBe('k8s-forbidden');
    expect(err.message).toContain('patch deployment prod/web');
    expect(err.message).toContain('cannot patch resource "deployments" in API group "apps" in the namespace "prod"');
    expect(err.retryable).toBe(false);
  });

  it('a 500 is k8s-unavailable (retryable), a 409 k8s-conflict, a missing Deployment k8s-not-found', async () => {
    emu.seedDeployment({ namespace: 'prod', name: 'web', container: 'web', image: 'reg/web:1.0.0' });
    emu.failNext(1, 500, { method: 'GET' });
    const unavailable = await caughtFlightdeckError(readDeploymentSnapshot(client, ref));
    expect(unavailable.code).toBe('k8s-unavailable');
    expect(unavailable.retryable).toBe(true);
    emu.failNext(1, 409, { method: 'PATCH' });
    const conflict = await caughtFlightdeckError(setImage(client, ref, 'reg/web:2.0.0', 'run 15'));
    expect(conflict).toMatchObject({ code: 'k8s-conflict', retryable: true });
    const missing = await caughtFlightdeckError(readDeploymentSnapshot(client, { ...ref, deployment: 'nope' }));
    expect(missing.code).toBe('k8s-not-found');
    expect((await caughtFlightdeckError(waitForRollout(client, { namespace: 'prod', deployment: 'nope' }, soon()))).code).toBe('k8s-not-found');
  });

  it('a refused connection is k8s-unavailable', async () => {
    emu.seedDeployment({ namespace: 'prod', name: 'web', container: 'web', image: 'reg/web:1.0.0' });
    await emu.close();
    const err = await caughtFlightdeckError(readDeploymentSnapshot(client, ref));
    expect(err.code).toBe('k8s-unavailable');
    expect(err.message).toContain('ECONNREFUSED');
    emu = await startKubernetesEmulator();
  });

  it('an unknown context is config-invalid naming the known ones; clients are cached per context', () => {
    const access = createClusterAccess({ kubeconfigPath: join(dir, 'kubeconfig') });
    expect(access.forContext('emu-prod')).toBe(access.forContext('emu-prod'));
    let err: unknown;
    try {
      access.forContext('staging');
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(FlightdeckError);
    expect(err).toMatchObject({ code: 'config-invalid', message: expect.stringContaining('emu-prod') });
  });
});
