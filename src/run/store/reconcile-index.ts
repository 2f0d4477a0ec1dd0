import type { RedisClient } from './create-redis.js';
import type { Run } from '../core/run-schema.js';
import { evalScript } from './eval-script.js';
import { parseRun } from './parse-run.js';
import { ADOPT_ACTIVE_SCRIPT, DUE_RECONCILES_SCRIPT, SETTLE_RECONCILE_SCRIPT } from './reconcile-scripts.js';
import { HOLD_LOCK_SCRIPT } from './render-scripts.js';
import type { RunKeys } from './run-keys.js';

/** The runs one read of the index found due: see {@link ReconcileIndex.due}. */
export interface ReconcileDue {
  /** Redis's clock at the read, ms. */
  now: number;
  /** The due runs still stored, soonest due first. */
  runs: Run[];
  /** Ids due whose documents are gone (deleted by hand, or expired): {@link ReconcileIndex.settle} drops them. */
  gone: string[];
}

/**
 * Which active runs the reconciler owes a look, and when: a sorted set scored by the time each run next
 * needs one (Redis ms). Every write of an active run scores it no later than the write, in the write's own
 * script (see update-run-script), so a pass reads only the runs written since it last looked and the runs
 * it asked to see again, never every active run.
 */
export class ReconcileIndex {
  constructor(
    private readonly redis: RedisClient,
    private readonly keys: RunKeys,
  ) {}

  /** Up to `limit` runs due now, soonest first, with Redis's clock: two round trips, however many runs are active. */
  async due(limit: number): Promise<ReconcileDue> {
    const [now, ...ids] = (await evalScript(this.redis, DUE_RECONCILES_SCRIPT, [this.keys.reconcileDue], [limit])) as string[];
    if (ids.length === 0) return { now: Number(now), runs: [], gone: [] };
    const pipeline = this.redis.pipeline();
    for (const id of ids) pipeline.hget(this.keys.run(id), 'doc');
    const replies = (await pipeline.exec()) ?? [];
    const runs: Run[] = [];
    const gone: string[] = [];
    for (const [index, [err, doc]] of replies.entries()) {
      if (err) throw err;
      if (typeof doc === 'string') runs.push(parseRun(doc));
      else gone.push(ids[index]!);
    }
    return { now: Number(now), runs, gone };
  }

  /**
   * After a look at run `id` read at `seq`: it is due again at `nextAt` (Redis ms), or not until its next
   * write when `nextAt` is undefined. Changes nothing when the run was written since it was read; a run
   * whose document is gone (`seq` undefined) leaves the index.
   */
  async settle(id: string, seq: number | undefined, nextAt: number | undefined): Promise<void> {
    await evalScript(this.redis, SETTLE_RECONCILE_SCRIPT, [this.keys.run(id), this.keys.reconcileDue], [id, seq ?? '', nextAt ?? '']);
  }

  /**
   * Makes due at once every active run the index lacks (written before it existed, or by an older version
   * during an upgrade). Idempotent; returns how many joined, 0 once every active run is held.
   */
  async adoptActive(): Promise<number> {
    return Number(await evalScript(this.redis, ADOPT_ACTIVE_SCRIPT, [this.keys.active, this.keys.reconcileDue], []));
  }

  /**
   * Takes the reconcile pass for `ttlMs`, or renews it when `owner` holds it already. False when another
   * process holds it: its pass is under way, or started less than its `ttlMs` ago.
   */
  async holdPass(owner: string, ttlMs: number): Promise<boolean> {
    return (await evalScript(this.redis, HOLD_LOCK_SCRIPT, [this.keys.reconcilePass], [owner, ttlMs])) === 1;
  }
}
