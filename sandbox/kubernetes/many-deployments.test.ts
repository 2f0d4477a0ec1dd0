import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AppsV1Api, CoreV1Api, KubeConfig, PatchStrategy, Watch, setHeaderOptions } from '@kubernetes/client-node';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type KubernetesEmulator, startKubernetesEmulator } from './index.js';

/*
 * One emulator holding many Deployments, as one cluster would: the controller finds a Deployment's
 * ReplicaSets and Pods through its owner index and reconciles only Deployments a write woke or that are still
 * rolling out, so what it serves must be what it served when it reconciled every Deployment on every tick, and
 * serving one Deployment must look at no other (counted by the emulator, not timed).
 */

const DEPLOYMENTS = 300;
const NS = 'shop';

let emu: KubernetesEmulator;
let kc: KubeConfig;
let apps: AppsV1Api;
let core: CoreV1Api;
let dir: string;

beforeEach(async () => {
  emu = await startKubernetesEmulator({ readyDelayMs: 50, tickMs: 10 });
  dir = await mkdtemp(join(tmpdir(), 'k8s-many-'));
  emu.writeKubeconfig(join(dir, 'config'));
  kc = new KubeConfig();
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

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** The namespaces the Deployments are in: `shop` for the even ones, one each for the odd. */
const NAMESPACES = [NS, ...Array.from({ length: DEPLOYMENTS }, (_, i) => `svc-${i}`).filter((_, i) => i % 2 === 1)];

/** What the emulator has looked at in the namespaces of every Deployment but the one in `namespace`. */
const visitsBeside = (namespace: string) => NAMESPACES.filter((ns) => ns !== namespace).reduce((n, ns) => n + emu.visits(ns), 0);

/** Resolves once the resourceVersion stopped moving: every seeded Deployment has settled. */
async function allSettled(): Promise<void> {
  // The list of an empty namespace answers the current resourceVersion and looks at no Deployment.
  const rv = async () => (await apps.listNamespacedDeployment({ namespace: 'default' })).metadata?.resourceVersion;
  let last = await rv();
  await until(async () => {
    await sleep(50);
    const now = await rv();
    const still = now === last;
    last = now;
    return still ? true : undefined;
  });
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

  it('looks at no other Deployment while all are settled, nor while it serves and rolls out one', async () => {
    const name = 'svc-7';
    await allSettled();
    const before = visitsBeside(name);
    // Ten ticks with nothing written: a resync that looked at every Deployment on each tick would count here.
    await sleep(100);
    expect(visitsBeside(name)).toBe(before);

    // GET, PATCH and a watch until the rollout is done, as a deploy step makes them.
    expect((await apps.readNamespacedDeployment({ name, namespace: name })).metadata?.generation).toBe(1);
    await apps.patchNamespacedDeployment(
      { name, namespace: name, body: { spec: { template: { spec: { containers: [{ name: 'app', image: 'reg/svc-7:2' }] } } } } },
      setHeaderOptions('Content-Type', PatchStrategy.StrategicMergePatch),
    );
    type Status = { observedGeneration?: number; updatedReplicas?: number; replicas?: number; availableReplicas?: number };
    const rolledOut = (s: Status = {}) => s.observedGeneration === 2 && s.updatedReplicas === 2 && s.replicas === 2 && s.availableReplicas === 2;
    const listed = await apps.listNamespacedDeployment({ namespace: name, fieldSelector: `metadata.name=${name}` });
    let stop: AbortController | undefined;
    if (!rolledOut(listed.items[0]?.status as Status | undefined)) {
      await new Promise<void>((resolve, reject) => {
        new Watch(kc)
          .watch(
            `/apis/apps/v1/namespaces/${name}/deployments`,
            { fieldSelector: `metadata.name=${name}`, resourceVersion: listed.metadata?.resourceVersion },
            (_type, d: { status?: Status }) => {
              if (rolledOut(d.status)) resolve();
            },
            (err) => reject(err ?? new Error('the watch ended before the rollout did')),
          )
          .then((c) => (stop = c), reject);
      });
    }
    stop?.abort();
    expect(emu.visits(name)).toBeGreaterThan(0);
    expect(visitsBeside(name)).toBe(before);
  });
});
