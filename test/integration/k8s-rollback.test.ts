import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type ClusterClient, createClusterAccess } from '../../src/k8s/create-cluster-access.js';
import { listRevisions } from '../../src/k8s/list-revisions.js';
import { readDeploymentSnapshot } from '../../src/k8s/read-deployment-snapshot.js';
import { rollbackDeployment } from '../../src/k8s/rollback-deployment.js';
import { setImage } from '../../src/k8s/set-image.js';
import { waitForRollout } from '../../src/k8s/wait-for-rollout.js';
import { type KubernetesEmulator, startKubernetesEmulator } from '../../sandbox/kubernetes/index.js';
import { caughtFlightdeckError } from '../support/caught-flightdeck-error.js';

const ref = { namespace: 'prod', deployment: 'web', container: 'web' };
let emu: KubernetesEmulator;
let dir: string;
let client: ClusterClient;

beforeEach(async () => {
  emu = await startKubernetesEmulator({ readyDelayMs: 50, tickMs: 10 });
  dir = await mkdtemp(join(tmpdir(), 'k8s-rollback-'));
  emu.writeKubeconfig(join(dir, 'kubeconfig'), 'emu');
  client = createClusterAccess({ kubeconfigPath: join(dir, 'kubeconfig') }).forContext('emu');
  emu.seedDeployment({ namespace: 'prod', name: 'web', container: 'web', image: 'reg/web:1.0.0', replicas: 2 });
});

afterEach(async () => {
  await emu.close();
  await rm(dir, { recursive: true, force: true });
});

const soon = () => ({ deadline: Date.now() + 15_000, now: Date.now });

async function deploy(version: string): Promise<void> {
  await setImage(client, ref, `reg/web:${version}`, `deploy ${version} by alice`);
  await waitForRollout(client, ref, soon());
}

const imageNow = () => emu.getDeployment('prod', 'web').spec.template.spec.containers[0].image as string;

describe('listRevisions', () => {
  it('reads revisions like kubectl rollout history, from the ReplicaSets the Deployment owns', async () => {
    await deploy('1.1.0');
    await deploy('1.2.0');
    // A ReplicaSet with matching labels but another owner is not history.
    emu.seedDeployment({ namespace: 'prod', name: 'web-other', container: 'web', image: 'reg/web:9', labels: { app: 'web', variant: 'x' } });
    const revisions = await listRevisions(client, ref);
    expect(revisions.map((r) => [r.revision, r.image, r.changeCause])).toEqual([
      [1, 'reg/web:1.0.0', undefined],
      [2, 'reg/web:1.1.0', 'deploy 1.1.0 by alice'],
      [3, 'reg/web:1.2.0', 'deploy 1.2.0 by alice'],
    ]);
    const owned = emu.listReplicaSets('prod').filter((rs) => rs.metadata.ownerReferences[0].name === 'web');
    expect(revisions.map((r) => r.replicaSet).sort()).toEqual(owned.map((rs) => rs.metadata.name).sort());
    expect(revisions[0]?.template).toMatchObject({ metadata: { labels: { app: 'web' } } });
    expect((revisions[0]?.template as { metadata: { labels: Record<string, string> } }).metadata.labels).not.toHaveProperty('pod-template-hash');
  });
});

describe('rollbackDeployment', () => {
  it('rolls back to a revision like rollout undo --to-revision: reuses its ReplicaSet and restores its change-cause', async () => {
    await deploy('1.1.0');
    await deploy('1.2.0');
    const result = await rollbackDeployment(client, ref, { revision: 2 });
    expect(result).toMatchObject({ changed: true, revision: 2 });
    const patch = emu.requests.filter((r) => r.method === 'PATCH').at(-1);
    expect(patch?.contentType).toBe('application/json-patch+json');
    expect((patch?.body as Array<{ path: string }>).map((op) => op.path)).toEqual(['/metadata/resourceVersion', '/spec/template', '/metadata/annotations']);
    await waitForRollout(client, ref, soon());
    expect(imageNow()).toBe('reg/web:1.1.0');
    const after = await listRevisions(client, ref);
    // Revision 2's ReplicaSet is reused under the next number, as the deployment controller does.
    expect(after.map((r) => [r.revision, r.image, r.changeCause])).toEqual([
      [1, 'reg/web:1.0.0', undefined],
      [3, 'reg/web:1.2.0', 'deploy 1.2.0 by alice'],
      [4, 'reg/web:1.1.0', 'deploy 1.1.0 by alice'],
    ]);
    expect(emu.listReplicaSets('prod')).toHaveLength(3);
  });

  it('restores a recorded template (the snapshot taken before a deploy) and is idempotent', async () => {
    const before = await readDeploymentSnapshot(client, ref);
    await deploy('2.0.0');
    const first = await rollbackDeployment(client, ref, { template: before.template, changeCause: 'rollback of run 7' });
    expect(first.changed).toBe(true);
    await waitForRollout(client, ref, soon());
    const patches = emu.requests.filter((r) => r.method === 'PATCH').length;
    const again = await rollbackDeployment(client, ref, { template: before.template, changeCause: 'rollback of run 7' });
    expect(again.changed).toBe(false);
    expect(emu.requests.filter((r) => r.method === 'PATCH')).toHaveLength(patches);
    expect(imageNow()).toBe('reg/web:1.0.0');
    const revisions = await listRevisions(client, ref);
    expect(revisions.at(-1)).toMatchObject({ revision: 3, image: 'reg/web:1.0.0', changeCause: 'rollback of run 7' });
  });

  it('names the revisions that exist when asked for one that does not, and changes nothing', async () => {
    await deploy('1.1.0');
    const err = await caughtFlightdeckError(rollbackDeployment(client, ref, { revision: 9 }));
    expect(err.code).toBe('k8s-not-found');
    expect(err.message).toBe('deployment prod/web has no revision 9; its revisions are: 1, 2');
    expect(emu.requests.filter((r) => r.method === 'PATCH')).toHaveLength(1);
  });

  it('refuses a paused Deployment like kubectl', async () => {
    await deploy('1.1.0');
    await client.apps.patchNamespacedDeployment({ name: 'web', namespace: 'prod', body: [{ op: 'add', path: '/spec/paused', value: true }] });
    const err = await caughtFlightdeckError(rollbackDeployment(client, ref, { revision: 1 }));
    expect(err.code).toBe('k8s-invalid');
    expect(err.message).toMatch(/paused/);
    expect(err.remedy).toMatch(/kubectl rollout resume/);
  });

  it('a 409 on the patch is k8s-conflict (retryable); the re-run converges with one rollback', async () => {
    await deploy('1.1.0');
    emu.failNext(1, 409, { method: 'PATCH' });
    const err = await caughtFlightdeckError(rollbackDeployment(client, ref, { revision: 1 }));
    expect(err.code).toBe('k8s-conflict');
    expect(err.retryable).toBe(true);
    expect(imageNow()).toBe('reg/web:1.1.0');
    await expect(rollbackDeployment(client, ref, { revision: 1 })).resolves.toMatchObject({ changed: true });
    await expect(rollbackDeployment(client, ref, { template: (await readDeploymentSnapshot(client, ref)).template })).resolves.toMatchObject({ changed: false });
    expect(imageNow()).toBe('reg/web:1.0.0');
  });

  it('a concurrent write between read and patch makes the patch conflict instead of overwriting it', async () => {
    await deploy('1.1.0');
    // Hold the ReplicaSet list, which comes after the Deployment read, so another writer gets in before the patch.
    emu.delayNext(1, 300, { pathIncludes: '/replicasets' });
    const seen = emu.requests.length;
    const rollback = rollbackDeployment(client, ref, { revision: 1 });
    while (!emu.requests.slice(seen).some((r) => r.path.endsWith('/replicasets'))) await new Promise((r) => setTimeout(r, 5));
    await client.apps.patchNamespacedDeployment({ name: 'web', namespace: 'prod', body: [{ op: 'add', path: '/metadata/labels/touched', value: 'yes' }] });
    const err = await caughtFlightdeckError(rollback);
    expect(err.code).toBe('k8s-conflict');
  });
});
