import { randomUUID } from 'node:crypto';
import { recordEvent } from './cluster-records.js';
import { type DeploymentKey, DueDeployments } from './due-deployments.js';
import type { KObject, ObjectStore } from './object-store.js';
import { type PodState, newPodState, syncPods } from './pod-objects.js';
import {
  DESIRED_REPLICAS, HASH_LABEL, MAX_REPLICAS, REVISION, REVISION_HISTORY, type Condition, canonical, condition,
  copyableAnnotations, findCondition, omitZero, replaceCondition, resolveIntOrPercent, revisionOf, setCondition,
  templateHash, templatesEqual, timestamp,
} from './rollout-math.js';

/** A pod here is its readiness time (`Infinity` never becomes ready); syncPods publishes it as a Pod object. */
type Pod = PodState;

export interface DeploymentControllerOptions {
  /** How long after creation a pod becomes ready. */
  readyDelayMs: number;
}

/**
 * A small deployment controller with the real one's observable behaviour: one ReplicaSet per pod template,
 * revision numbering (reuse on rollback), change-cause copying, rolling update within maxSurge /
 * maxUnavailable, and the status fields and conditions `kubectl rollout status` reads.
 */
export class DeploymentController {
  private readonly pods = new Map<string, Pod[]>();
  private readonly neverReadyImages = new Set<string>();
  private readonly instantReady = new Set<string>();
  /**
   * When each Deployment's Progressing condition last moved, in ms. The condition itself only has second
   * precision, which would let the deadline fire up to a second early.
   */
  private readonly lastProgressAt = new Map<string, number>();
  private readonly due: DueDeployments;

  constructor(
    private readonly store: ObjectStore,
    private readonly options: DeploymentControllerOptions,
  ) {
    this.due = new DueDeployments(store);
  }

  /** Pods of any template that uses this image never become ready. */
  markNeverReady(image: string): void {
    this.neverReadyImages.add(image);
  }

  /** The first ReplicaSet of this Deployment starts with ready pods: a seeded Deployment is already running. */
  markInstantReady(namespace: string, name: string): void {
    this.instantReady.add(`${namespace}/${name}`);
  }

  /** Current pods of a ReplicaSet, for tests that look below the API. */
  podCount(namespace: string, rsName: string): number {
    const rs = this.store.get('replicasets', namespace, rsName);
    return rs ? (this.pods.get(String(rs.metadata.uid))?.length ?? 0) : 0;
  }

  /** Reconciles every Deployment that is due (see DueDeployments): the resync, which also moves rollouts on as pods become ready. */
  reconcileAll(now = Date.now()): void {
    for (const [uid, key] of this.due.takeAll()) this.reconcileDue(uid, key, now);
  }

  /** Reconciles the Deployments a write made due since the last pass, as the real controller reacts to an informer event. */
  reconcileWritten(now = Date.now()): void {
    for (const [uid, key] of this.due.takeWritten()) this.reconcileDue(uid, key, now);
  }

  private reconcileDue(uid: string, key: DeploymentKey, now: number): void {
    const d = this.store.peek('deployments', key.namespace, key.name);
    if (d?.metadata.uid === uid) this.reconcile(d, now);
    else this.due.forget(uid);
  }

  /** Reconciles one Deployment, if it exists: seeding one needs no pass over all the others. */
  reconcileDeployment(namespace: string, name: string, now = Date.now()): void {
    const d = this.store.get('deployments', namespace, name);
    if (d) this.reconcile(d, now);
  }

  private podsOf(rs: KObject): Pod[] {
    // Keyed by uid: a Deployment deleted and created again gets fresh ReplicaSets with the same names.
    const key = String(rs.metadata.uid);
    let pods = this.pods.get(key);
    if (!pods) {
      pods = [];
      this.pods.set(key, pods);
    }
    return pods;
  }

  private newPod(rs: KObject, instant: boolean, now: number): Pod {
    const images: string[] = (rs.spec.template?.spec?.containers ?? []).map((c: KObject) => String(c.image));
    const never = images.some((i) => this.neverReadyImages.has(i));
    return newPodState(String(rs.metadata.name), now, never ? Number.POSITIVE_INFINITY : instant ? now : now + this.options.readyDelayMs);
  }

  /** Finds the ReplicaSet for the current template, creating or renumbering it as the real controller does. */
  private newReplicaSet(d: KObject, owned: KObject[], now: number): { rs: KObject; event?: Condition } {
    const maxRev = Math.max(0, ...owned.map(revisionOf));
    const annotations = copyableAnnotations(d.metadata.annotations);
    const desired = Number(d.spec.replicas ?? 1);
    const surge = resolveIntOrPercent(d.spec.strategy?.rollingUpdate?.maxSurge, '25%', desired, true);
    const existing = owned.find((rs) => templatesEqual(rs.spec.template, d.spec.template));
    if (existing) {
      const rs = structuredClone(existing);
      const rev = revisionOf(rs);
      const meta = rs.metadata;
      meta.annotations = { ...meta.annotations, ...annotations, [DESIRED_REPLICAS]: String(desired), [MAX_REPLICAS]: String(desired + surge) };
      if (rev < maxRev) {
        // Rolling back to an older template reuses its ReplicaSet under a new, highest revision number.
        const history = meta.annotations[REVISION_HISTORY] ? `${meta.annotations[REVISION_HISTORY]},${rev}` : String(rev);
        meta.annotations[REVISION] = String(maxRev + 1);
        meta.annotations[REVISION_HISTORY] = history;
      }
      return { rs };
    }
    const hash = templateHash(d.spec.template);
    const name = `${d.metadata.name}-${hash}`;
    const template = structuredClone(d.spec.template ?? {});
    template.metadata = { ...template.metadata, labels: { ...template.metadata?.labels, [HASH_LABEL]: hash } };
    const rs: KObject = {
      apiVersion: 'apps/v1',
      kind: 'ReplicaSet',
      metadata: {
        name,
        namespace: d.metadata.namespace,
        uid: randomUUID(),
        generation: 1,
        creationTimestamp: timestamp(now),
        labels: { ...template.metadata.labels },
        annotations: { ...annotations, [REVISION]: String(maxRev + 1), [DESIRED_REPLICAS]: String(desired), [MAX_REPLICAS]: String(desired + surge) },
        ownerReferences: [
          { apiVersion: 'apps/v1', kind: 'Deployment', name: d.metadata.name, uid: d.metadata.uid, controller: true, blockOwnerDeletion: true },
        ],
      },
      spec: {
        replicas: 0,
        minReadySeconds: d.spec.minReadySeconds ?? 0,
        selector: { matchLabels: { ...d.spec.selector?.matchLabels, [HASH_LABEL]: hash } },
        template,
      },
      status: { replicas: 0, observedGeneration: 1 },
    };
    return { rs, event: condition('Progressing', 'True', 'NewReplicaSetCreated', `Created new replica set "${name}"`, now) };
  }

  private scale(d: KObject, newPods: Pod[], oldPods: Pod[][], rs: KObject, instant: boolean, now: number): void {
    const desired = Number(d.spec.replicas ?? 1);
    const ready = (p: Pod) => p.readyAt <= now;
    const total = () => newPods.length + oldPods.reduce((n, p) => n + p.length, 0);
    const removeUnreadyFirst = (pods: Pod[], count: number) => {
      pods.sort((a, b) => Number(ready(a)) - Number(ready(b)));
      pods.splice(0, Math.max(0, Math.min(count, pods.length)));
    };
    if (d.spec.strategy?.type === 'Recreate') {
      for (const p of oldPods) p.length = 0;
      while (newPods.length < desired) newPods.push(this.newPod(rs, instant, now));
      if (newPods.length > desired) removeUnreadyFirst(newPods, newPods.length - desired);
      return;
    }
    const surge = resolveIntOrPercent(d.spec.strategy?.rollingUpdate?.maxSurge, '25%', desired, true);
    let unavailable = resolveIntOrPercent(d.spec.strategy?.rollingUpdate?.maxUnavailable, '25%', desired, false);
    if (surge === 0 && unavailable === 0) unavailable = 1;
    if (newPods.length > desired) removeUnreadyFirst(newPods, newPods.length - desired);
    const scaleUp = Math.min(desired + surge - total(), desired - newPods.length);
    for (let i = 0; i < scaleUp; i++) newPods.push(this.newPod(rs, instant, now));

    const minAvailable = desired - unavailable;
    const newUnavailable = newPods.filter((p) => !ready(p)).length;
    // First drop old pods that are not ready anyway, then ready ones while availability allows it.
    let cleanup = total() - minAvailable - newUnavailable;
    for (const pods of oldPods) {
      const unready = pods.filter((p) => !ready(p)).length;
      const n = Math.max(0, Math.min(cleanup, unready));
      removeUnreadyFirst(pods, n);
      cleanup -= n;
    }
    const availableAll = [newPods, ...oldPods].reduce((n, pods) => n + pods.filter(ready).length, 0);
    let scaleDown = availableAll - minAvailable;
    for (const pods of oldPods) {
      const n = Math.max(0, Math.min(scaleDown, pods.length));
      removeUnreadyFirst(pods, n);
      scaleDown -= n;
    }
  }

  /** The ScalingReplicaSet event kube-controller-manager records on the Deployment for each change of a ReplicaSet's size. */
  private recordScaling(d: KObject, rs: KObject, before: KObject | undefined, now: number): void {
    const to = Number(rs.spec.replicas);
    const from = Number(before?.spec?.replicas ?? 0);
    if (to === from) return;
    const message = before === undefined ? `Scaled up replica set ${rs.metadata.name} to ${to}` : `Scaled ${to > from ? 'up' : 'down'} replica set ${rs.metadata.name} to ${to} from ${from}`;
    recordEvent(this.store, d, 'ScalingReplicaSet', message, 'deployment-controller', now);
  }

  private reconcile(current: KObject, now: number): void {
    const rvBefore = this.store.currentRv;
    const d = structuredClone(current);
    const ns = String(d.metadata.namespace);
    const key = `${ns}/${d.metadata.name}`;
    const owned = this.store.listOwned('replicasets', ns, String(d.metadata.uid), (rs) =>
      (rs.metadata.ownerReferences ?? []).some((o: KObject) => o.uid === d.metadata.uid && o.controller),
    );
    const { rs: newRs, event } = this.newReplicaSet(d, owned, now);
    const olds = owned.filter((rs) => rs.metadata.name !== newRs.metadata.name).sort((a, b) => revisionOf(a) - revisionOf(b));
    const instant = this.instantReady.has(key) && owned.length === 0;
    this.instantReady.delete(key);

    const newPods = this.podsOf(newRs);
    const oldPods = olds.map((rs) => this.podsOf(rs));
    if (!d.spec.paused) this.scale(d, newPods, oldPods, newRs, instant, now);

    const writeRs = (rs: KObject, pods: Pod[], before: KObject | undefined) => {
      const readyCount = pods.filter((p) => p.readyAt <= now).length;
      rs.spec.replicas = pods.length;
      rs.status = omitZero({
        replicas: pods.length,
        fullyLabeledReplicas: pods.length,
        readyReplicas: readyCount,
        availableReplicas: readyCount,
        observedGeneration: rs.metadata.generation,
      });
      const stored = !before || canonical(before) !== canonical(rs) ? this.store.put('replicasets', rs) : rs;
      this.recordScaling(d, rs, before, now);
      syncPods(this.store, stored, pods, now);
    };
    writeRs(newRs, newPods, owned.find((rs) => rs.metadata.name === newRs.metadata.name));
    olds.forEach((rs, i) => {
      writeRs(structuredClone(rs), oldPods[i] ?? [], rs);
    });
    this.cleanupHistory(d, olds, oldPods);

    const all = [newPods, ...oldPods];
    const totalPods = all.reduce((n, p) => n + p.length, 0);
    const readyPods = all.reduce((n, p) => n + p.filter((x) => x.readyAt <= now).length, 0);
    const desired = Number(d.spec.replicas ?? 1);
    const prev = d.status ?? {};
    const counts = {
      observedGeneration: d.metadata.generation,
      replicas: totalPods,
      updatedReplicas: newPods.length,
      readyReplicas: readyPods,
      availableReplicas: readyPods,
      unavailableReplicas: Math.max(0, totalPods - readyPods),
    };
    let conditions: Condition[] = structuredClone(prev.conditions ?? []);
    const unavailable = resolveIntOrPercent(d.spec.strategy?.rollingUpdate?.maxUnavailable, '25%', desired, false);
    conditions = setCondition(
      conditions,
      readyPods >= desired - unavailable
        ? condition('Available', 'True', 'MinimumReplicasAvailable', 'Deployment has minimum availability.', now)
        : condition('Available', 'False', 'MinimumReplicasUnavailable', 'Deployment does not have minimum availability.', now),
    );
    // A new rollout restarts the progress clock before the deadline is judged, as the real controller does;
    // judging first would time out a rollout that starts long after the previous one finished.
    if (event) {
      conditions = setCondition(conditions, event);
      this.lastProgressAt.set(key, now);
    }
    const judged = this.progressing(d, conditions, prev, counts, String(newRs.metadata.name), now, this.lastProgressAt.get(key));
    // progressing() returns the same array when nothing moved.
    if (judged !== conditions) this.lastProgressAt.set(key, now);
    conditions = judged;

    d.metadata.annotations = { ...d.metadata.annotations, [REVISION]: newRs.metadata.annotations[REVISION] };
    d.status = { ...omitZero(counts), conditions };
    if (canonical(d) !== canonical(current)) this.store.put('deployments', d);

    const uid = String(d.metadata.uid);
    const allReady = readyPods === totalPods && totalPods === desired && oldPods.every((pods) => pods.length === 0);
    const complete = findCondition(conditions, 'Progressing')?.reason === 'NewReplicaSetAvailable' || d.spec.progressDeadlineSeconds === undefined;
    // Only a reconcile that wrote nothing may mark it settled: one that wrote must look at its own result again.
    if (allReady && complete && this.store.currentRv === rvBefore) {
      this.due.settle(uid, { namespace: ns, name: String(d.metadata.name) }, [newRs, ...olds].map((rs) => String(rs.metadata.uid)));
    }
  }

  /** syncRolloutStatus: complete beats progressing beats timed out; a finished rollout stays finished. */
  private progressing(
    d: KObject,
    conditions: Condition[],
    prev: KObject,
    counts: Record<string, number>,
    rsName: string,
    now: number,
    lastProgressAt: number | undefined,
  ): Condition[] {
    const deadlineSeconds = d.spec.progressDeadlineSeconds;
    if (deadlineSeconds === undefined || deadlineSeconds === null || deadlineSeconds >= 2147483647) return conditions;
    const cur = findCondition(conditions, 'Progressing');
    const desired = Number(d.spec.replicas ?? 1);
    const c = (k: string) => counts[k] ?? 0;
    const p = (k: string) => Number(prev[k] ?? 0);
    if (c('replicas') === c('updatedReplicas') && cur?.reason === 'NewReplicaSetAvailable') return conditions;
    const complete = c('updatedReplicas') === desired && c('replicas') === desired && c('availableReplicas') === desired;
    const progressed =
      c('updatedReplicas') > p('updatedReplicas') ||
      c('replicas') - c('updatedReplicas') < p('replicas') - p('updatedReplicas') ||
      c('readyReplicas') > p('readyReplicas') ||
      c('availableReplicas') > p('availableReplicas');
    if (complete) {
      return replaceCondition(conditions, condition('Progressing', 'True', 'NewReplicaSetAvailable', `ReplicaSet "${rsName}" has successfully progressed.`, now));
    }
    if (progressed) {
      return replaceCondition(conditions, condition('Progressing', 'True', 'ReplicaSetUpdated', `ReplicaSet "${rsName}" is progressing.`, now));
    }
    if (cur && cur.reason !== 'ProgressDeadlineExceeded' && cur.reason !== 'NewReplicaSetAvailable') {
      const since = lastProgressAt ?? Date.parse(cur.lastUpdateTime);
      if (now > since + deadlineSeconds * 1000) {
        return setCondition(conditions, condition('Progressing', 'False', 'ProgressDeadlineExceeded', `ReplicaSet "${rsName}" has timed out progressing.`, now));
      }
    }
    return conditions;
  }

  /** Deletes scaled-down old ReplicaSets beyond `revisionHistoryLimit`, oldest revision first. */
  private cleanupHistory(d: KObject, olds: KObject[], oldPods: Pod[][]): void {
    const limit = Number(d.spec.revisionHistoryLimit ?? 10);
    const idle = olds.filter((_, i) => (oldPods[i]?.length ?? 0) === 0);
    for (const rs of idle.slice(0, Math.max(0, idle.length - limit))) {
      this.store.delete('replicasets', rs.metadata.namespace, rs.metadata.name);
      this.pods.delete(String(rs.metadata.uid));
    }
  }
}
