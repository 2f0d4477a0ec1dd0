import { randomUUID } from 'node:crypto';
import type { KObject, ObjectStore } from './object-store.js';
import { canonical, timestamp } from './rollout-math.js';

/** The emulator's model of one pod; the Pod object in the store is derived from it. */
export interface PodState {
  name: string;
  uid: string;
  createdAt: number;
  /** When it becomes ready (long-running pods) or finishes (job pods); `Infinity` = never. */
  readyAt: number;
  /** Set for pods that run to completion (Jobs). */
  outcome?: 'Succeeded' | 'Failed';
  /** The container's exit code when it ends Failed; default 1. */
  exitCode?: number;
  /** Why the kubelet cannot start the container (a missing Secret): the pod stays Pending with this reason. */
  waiting?: { reason: string; message: string };
  /** Why the scheduler cannot place the pod (a missing PersistentVolumeClaim): Pending, PodScheduled False, no containers. */
  unschedulable?: string;
}

/** The 5-character suffix alphabet of generateName. */
const SUFFIX = 'bcdfghjklmnpqrstvwxz2456789';

export function newPodState(prefix: string, now: number, readyAt: number, outcome?: PodState['outcome']): PodState {
  let suffix = '';
  for (let i = 0; i < 5; i++) suffix += SUFFIX[Math.floor(Math.random() * SUFFIX.length)];
  return { name: `${prefix}-${suffix}`, uid: randomUUID(), createdAt: now, readyAt, ...(outcome ? { outcome } : {}) };
}

/** The Pod object a kubelet would report for this state at `now`. */
function podObject(owner: KObject, state: PodState, now: number): KObject {
  const template = owner.spec?.template ?? {};
  const containers: KObject[] = template.spec?.containers ?? [];
  const done = state.outcome !== undefined && state.readyAt <= now;
  const ready = !done && state.readyAt <= now;
  const started = timestamp(state.createdAt);
  const phase = state.waiting || state.unschedulable ? 'Pending' : done ? state.outcome : 'Running';
  const exitCode = state.outcome === 'Succeeded' ? 0 : (state.exitCode ?? 1);
  const finished = timestamp(Math.min(state.readyAt, now));
  const cond = (type: string, ok: boolean) => ({ type, status: ok ? 'True' : 'False', lastProbeTime: null, lastTransitionTime: ok ? finished : started });
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: {
      name: state.name,
      generateName: `${owner.metadata.name}-`,
      namespace: owner.metadata.namespace,
      uid: state.uid,
      creationTimestamp: started,
      labels: { ...template.metadata?.labels },
      ownerReferences: [
        { apiVersion: owner.apiVersion, kind: owner.kind, name: owner.metadata.name, uid: owner.metadata.uid, controller: true, blockOwnerDeletion: true },
      ],
    },
    spec: { ...structuredClone(template.spec ?? {}), ...(state.unschedulable ? {} : { nodeName: 'emulator-node' }) },
    status: state.unschedulable
      ? {
          phase,
          conditions: [{ type: 'PodScheduled', status: 'False', lastProbeTime: null, lastTransitionTime: started, reason: 'Unschedulable', message: state.unschedulable }],
          qosClass: 'Burstable',
        }
      : {
      phase,
      conditions: [cond('Initialized', true), cond('Ready', ready), cond('ContainersReady', ready), cond('PodScheduled', true)],
      hostIP: '10.0.0.1',
      podIP: `10.244.0.${(state.uid.charCodeAt(0) % 200) + 2}`,
      startTime: started,
      containerStatuses: containers.map((c) => ({
        name: c.name,
        image: c.image,
        imageID: '',
        ready,
        started: !done && !state.waiting,
        restartCount: 0,
        state: state.waiting
          ? { waiting: state.waiting }
          : done
            ? { terminated: { exitCode, reason: exitCode === 0 ? 'Completed' : 'Error', startedAt: started, finishedAt: finished } }
            : { running: { startedAt: started } },
      })),
    },
  };
}

/** Makes the store's Pods owned by `owner` match `states`: writes changed ones, deletes vanished ones. */
export function syncPods(store: ObjectStore, owner: KObject, states: PodState[], now: number): void {
  const ns = String(owner.metadata.namespace);
  const existing = store.listOwned('pods', ns, String(owner.metadata.uid), (p) => p.metadata.ownerReferences?.[0]?.uid === owner.metadata.uid);
  const wanted = new Set(states.map((s) => s.name));
  for (const p of existing) if (!wanted.has(p.metadata.name)) store.delete('pods', ns, p.metadata.name);
  for (const s of states) {
    const next = podObject(owner, s, now);
    const cur = existing.find((p) => p.metadata.name === s.name);
    if (cur) {
      const { resourceVersion: _rv, ...meta } = cur.metadata;
      if (canonical({ ...cur, metadata: meta }) === canonical(next)) continue;
    }
    store.put('pods', next);
  }
}
