import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AppsV1Api, CoreV1Api, KubeConfig, PatchStrategy, setHeaderOptions } from '@kubernetes/client-node';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type KubernetesEmulator, startKubernetesEmulator } from './index.js';

/*
 * One emulator holding many Deployments, as one cluster would: the controller finds a Deployment's
 * ReplicaSets and Pods through its owner index and skips Deployments that have settled, so what it serves
 * must be what it served when it reconciled every Deployment on every tick.
 */

const DEPLOYMENTS = 300;
const NS = 'shop';

let emu: KubernetesEmulator;
let apps: AppsV1Api;
let core: CoreV1Api;
let dir: string;

beforeEach(async () => {
  emu = await startKubernetesEmulator({ readyDelayMs: 50, tickMs: 10 });
  dir = await mkdtemp(join(tmpdir(), 'k8s-many-'));
  emu.writeKubeconfig(join(dir, 'config'));
  const kc = new KubeConfig();
  kc.loadFromFile(join(dir, 'config'));
  apps = kc.makeApiClient(AppsV1Api);
  core = kc.makeApiClient(CoreV1Api);
  // Half share one namespace (the owner index tells them apart), half have one each (the namespace index does).
  for (let i = 0; i < DEPLOYMENTS; i += 1) {
    const name = `svc-${i}`;
    emu.seedDeployment({ namespace: i % 2 === 0 ? NS : name, name, container: 'app', image: `reg/${name}:1`, replicas: 2 });
  }
});

afterEach(async () => {
  await emu.close();
  await rm(dir, { recursive: true, force: true });
});

async function until<T>(probe: () => Promise<T | undefined> | T | undefined, timeoutMs = 10_000): Promise<T> {
  const start = Date.now();
  for (;;) {
    const v = await probe();
    if (v !== undefined) return v;
    if (Date.now() - start > timeoutMs) throw new Error('condition not reached');
    await new Promise((r) => setTimeout(r, 10));
  }
}

const podsOf = async (namespace: string, name: string) =>
  (await core.listNamespacedPod({ namespace, labelSelector: `app=${name}` })).items.map((pod) => pod.metadata?.name ?? '').sort();

describe(`kubernetes emulator with ${DEPLOYMENTS} Deployments`, () => {
  it('keeps each Deployment to its own ReplicaSet and pods, and moves no resourceVersion while all are settled', async () => {
    const shared = await apps.listNamespacedReplicaSet({ namespace: NS });
    expect(shared.items).toHaveLength(DEPLOYMENTS / 2);
    expect(await podsOf(NS, 'svc-4')).toHaveLength(2);
    expect((await podsOf(NS, 'svc-4')).every((pod) => pod.startsWith('svc-4-'))).toBe(true);

    const before = (await core.listNamespacedPod({ namespace: NS })).metadata?.resourceVersion;
    // Many ticks later nothing was written: settled Deployments, ReplicaSets and Pods stay as they were.
    await new Promise((r) => setTimeout(r, 200));
    expect((await core.listNamespacedPod({ namespace: NS })).metadata?.resourceVersion).toBe(before);
  });

  it('recreates a deleted pod of a settled Deployment, and rolls out a patched one beside the others', async () => {
    const pods = await podsOf(NS, 'svc-8');
    await core.deleteNamespacedPod({ namespace: NS, name: pods[0]! });
    // The emulator keeps each pod's state below the API, so the pod comes back under its name.
    const back = await until(async () => {
      const pod = await core.listNamespacedPod({ namespace: NS, fieldSelector: `metadata.name=${pods[0]}` });
      return pod.items[0]?.metadata?.uid;
    });
    expect(back).toBeDefined();
    expect(await podsOf(NS, 'svc-8')).toEqual(pods);

    await apps.patchNamespacedDeployment(
      { name: 'svc-9', namespace: 'svc-9', body: { spec: { template: { spec: { containers: [{ name: 'app', image: 'reg/svc-9:2' }] } } } } },
      setHeaderOptions('Content-Type', PatchStrategy.StrategicMergePatch),
    );
    const done = await until(() => {
      const d = emu.getDeployment('svc-9', 'svc-9');
      return d.status?.observedGeneration === 2 && d.status.updatedReplicas === 2 && d.status.replicas === 2 && d.status.availableReplicas === 2 ? d : undefined;
    });
    expect(done.metadata.annotations['deployment.kubernetes.io/revision']).toBe('2');
    expect(emu.listReplicaSets('svc-9').map((rs) => [rs.metadata.annotations['deployment.kubernetes.io/revision'], rs.spec.replicas]).sort()).toEqual([
      ['1', 0],
      ['2', 2],
    ]);
    // Its neighbour in a namespace of its own was not touched.
    expect(emu.getDeployment('svc-11', 'svc-11').metadata.generation).toBe(1);
  });

  it('deletes a Deployment with what it owns only', async () => {
    await apps.deleteNamespacedDeployment({ name: 'svc-10', namespace: NS });
    await until(async () => ((await podsOf(NS, 'svc-10')).length === 0 ? true : undefined));
    expect(emu.listReplicaSets(NS).map((rs) => rs.metadata.name).filter((name) => name.startsWith('svc-10-'))).toEqual([]);
    expect(await podsOf(NS, 'svc-12')).toHaveLength(2);
    expect(emu.listReplicaSets(NS)).toHaveLength(DEPLOYMENTS / 2 - 1);
  });
});
