import { type ObjectStore, type StoredEvent, ownerUidsOf } from './object-store.js';

/** Where a Deployment is stored. */
export interface DeploymentKey {
  namespace: string;
  name: string;
}

/**
 * Which Deployments the deployment controller must reconcile, learnt from the store's writes as the real
 * controller learns them from its informers. Every Deployment is due but the settled ones (every pod ready, the
 * rollout complete, found so by a reconcile that wrote nothing): until something such a reconcile reads is
 * written (the Deployment, its ReplicaSets, their Pods), another one would change nothing either. So a
 * resync costs what is rolling out, not what the instance holds: passing over every Deployment on each tick and
 * after each write request, 10,000 idle Deployments were most of what the emulator of the 10,000-run bench did.
 */
export class DueDeployments {
  /** By uid, in the order they became due. */
  private readonly due = new Map<string, DeploymentKey>();
  /**
   * Of those, the ones a write made due since the last pass over all: what the pass right after a write request
   * reconciles. One over every Deployment rolling out after each write made each request cost as many
   * reconciles as there were rollouts under way (512 in the 10,000-run bench).
   */
  private readonly written = new Set<string>();
  /** Settled Deployments by uid, with the owner uids whose dependents' writes wake them: their own and their ReplicaSets'. */
  private readonly settled = new Map<string, DeploymentKey & { owners: string[] }>();
  /** Owner uid (a settled Deployment's or one of its ReplicaSets') → the uid of the Deployment it wakes. */
  private readonly wakers = new Map<string, string>();

  constructor(store: ObjectStore) {
    store.observe((event) => this.observe(event));
  }

  /** Every due Deployment, by uid, and forgets which were written: a pass over all of them is about to run. */
  takeAll(): [string, DeploymentKey][] {
    this.written.clear();
    return [...this.due];
  }

  /** The Deployments a write made due since the last `takeAll` or `takeWritten`. */
  takeWritten(): [string, DeploymentKey][] {
    const written = [...this.written].flatMap((uid) => {
      const key = this.due.get(uid);
      return key ? [[uid, key] as [string, DeploymentKey]] : [];
    });
    this.written.clear();
    return written;
  }

  /** A due Deployment that is gone (deleted, or created again under a new uid, which made that one due). */
  forget(uid: string): void {
    this.due.delete(uid);
  }

  /** A reconcile that wrote nothing found it ready and complete: it is passed by until something it reads is written. */
  settle(uid: string, key: DeploymentKey, replicaSetUids: string[]): void {
    const owners = [uid, ...replicaSetUids];
    this.due.delete(uid);
    this.settled.set(uid, { ...key, owners });
    for (const owner of owners) this.wakers.set(owner, uid);
  }

  private observe({ resource, object }: StoredEvent): void {
    if (resource === 'deployments') {
      const uid = String(object.metadata.uid);
      this.wake(uid);
      this.due.set(uid, { namespace: String(object.metadata.namespace), name: String(object.metadata.name) });
      this.written.add(uid);
      return;
    }
    for (const owner of ownerUidsOf(object)) {
      const uid = this.wakers.get(owner);
      if (uid !== undefined) this.wake(uid);
    }
  }

  private wake(uid: string): void {
    const settled = this.settled.get(uid);
    if (!settled) return;
    this.settled.delete(uid);
    for (const owner of settled.owners) this.wakers.delete(owner);
    this.due.set(uid, { namespace: settled.namespace, name: settled.name });
    this.written.add(uid);
  }
}
