import { catalogued } from '../../errors/error-catalogue.js';
import type { RedisClient } from './create-redis.js';
import { AUDIT_REFUSAL_SCRIPT } from './audit-refusal-script.js';
import { CLAIM_IN_ORDER_SCRIPT } from './claim-in-order-script.js';
import { CREATE_RUN_SCRIPT } from './create-run-script.js';
import { auditArgs, evalScript, type AuditBounds } from './eval-script.js';
import type { Transition } from '../core/run-event.js';
import { runKeys, type RunKeys } from './run-keys.js';
import { manuallyLocked, parseManualLock, type LockHolder, type LockInfo, type ManualLock } from './manual-lock.js';
import { parseRun, serializeRun } from './parse-run.js';
import { OutboxIndex } from './outbox-index.js';
import { ReconcileIndex } from './reconcile-index.js';
import { RenderIndex } from './render-index.js';
import { runUid } from './run-uid.js';
import { createRollback, listLocks, lockManually, releaseLockAsOperator, unlockManually, type CreateRollbackResult, type UndoneRunWrite } from './run-locks.js';
import { auditEntrySchema, isTerminal, runSchema, type AuditEntry, type Run } from '../core/run-schema.js';
import type { RunSummary } from './run-summary.js';
import { readRunAudit } from './read-run-audit.js';
import { readFourKeysRuns, readHistorySummaries, readRuns } from './read-runs.js';
import { DEFAULT_STORE_LIMITS, type StoreLimits } from './store-limits-of.js';
import { updateRun, type UpdateOptions, type UpdateResult } from './update-run.js';
import type { FourKeysRun } from '../core/four-keys.js';

export type CreateResult = { created: true; run: Run } | { created: false; holder: Run };

/**
 * Runs, locks, history and the audit stream in Redis. Every key lives under `{prefix}:` (one Redis
 * Cluster slot), every write of a run is a compare-and-set on its seq, and every write that changes who
 * holds a lock happens in the same Lua script as the run write, so no crash can leave them disagreeing.
 *
 * The store never reads a clock: times come in on runs and audit entries.
 */
export class RunStore {
  private readonly keys: RunKeys;
  private readonly limits: Required<StoreLimits>;
  private readonly auditBounds: AuditBounds;
  /** Which runs' Slack messages trail them, and the render lock and recorded seq of each message. */
  readonly renders: RenderIndex;
  /** Which active runs the reconciler owes a look, and when. */
  readonly reconciles: ReconcileIndex;
  /** The jobs writes committed and their writers have not enqueued yet (outbox-index.ts). */
  readonly outbox: OutboxIndex;

  /**
   * @param installation - FLIGHTDECK_INSTALLATION, default `flightdeck` (its default): part of every new run's uid.
   * @throws FlightdeckError `config-invalid` when the prefix is empty or contains braces.
   */
  constructor(
    private readonly redis: RedisClient,
    prefix: string,
    limits: StoreLimits = {},
    private readonly installation = 'flightdeck',
  ) {
    this.keys = runKeys(prefix);
    this.limits = { ...DEFAULT_STORE_LIMITS, ...limits };
    this.auditBounds = { cap: this.limits.auditMaxEntries, archiveDays: this.limits.auditArchiveDays, runKeepMs: this.limits.runRetentionMs };
    this.renders = new RenderIndex(redis, this.keys);
    this.reconciles = new ReconcileIndex(redis, this.keys);
    this.outbox = new OutboxIndex(redis, this.keys);
  }

  /** Allocates the next run id: "1", "2", … (INCR, so unique across replicas). */
  async nextRunId(): Promise<string> {
    return String(await this.redis.incr(this.keys.runId));
  }

  /**
   * Stores a new run with seq 1 and its uid (`runUid`, unless the run has one) and takes its
   * service+environment lock, or, if the lock is held, changes nothing and returns the run holding it. The
   * audit entries are appended only when the run is created.
   *
   * @throws FlightdeckError `target-locked` when the lock names no stored run (held by something else);
   *   `internal` when a run with this id already exists.
   */
  async create(run: Run, audit: AuditEntry[]): Promise<CreateResult> {
    const stored = runSchema.parse({ ...run, seq: 1, uid: run.uid ?? runUid(this.installation, run.id, run.createdAt) });
    const reply = (await evalScript(
      this.redis,
      CREATE_RUN_SCRIPT,
      [
        this.keys.lock(run.service, run.environment),
        this.keys.run(run.id),
        this.keys.active,
        this.keys.history(run.service, run.environment),
        this.keys.audit,
        this.keys.renderDue,
        this.keys.reconcileDue,
      ],
      [run.id, serializeRun(stored), run.createdAt, this.keys.base, ...auditArgs(this.auditBounds, audit)],
    )) as [string, string?];
    switch (reply[0]) {
      case 'created':
        return { created: true, run: stored };
      case 'held':
        return { created: false, holder: parseRun(reply[1]!) };
      case 'held-unknown': {
        const manual = parseManualLock(reply[1]!);
        if (manual) throw manuallyLocked(run.service, run.environment, manual);
        // Deliberately not taken over: a lock flightdeck cannot explain may be someone else's.
        throw catalogued('locked-by-unknown', { service: run.service, environment: run.environment, value: reply[1] ?? '' });
      }
      default:
        throw catalogued('run-exists', { runId: run.id });
    }
  }

  /**
   * Stores a rollback run (kind `rollback`, seq 1, a uid as `create` gives one) and makes it hold its
   * target's lock, even while the run it undoes or a person's manual lock holds it: the previous holder is
   * returned, and a manual lock is not restored afterwards. The undone run's new document (`undone`) is written in the same script, with
   * compare-and-set on its seq, so a deploy in flight stops in the step that loses its lock. Runs, audit
   * and lock change in one script.
   *
   * @throws FlightdeckError `target-locked` when another rollback is in flight or a deploy other than the
   *   undone run holds the lock; `store-conflict` when the undone run changed since it was read (nothing
   *   written); `internal` when the run is not a rollback or its id exists.
   */
  async createRollback(run: Run, audit: AuditEntry[], undone?: UndoneRunWrite): Promise<CreateRollbackResult> {
    return createRollback(this.redis, this.keys, { ...run, uid: run.uid ?? runUid(this.installation, run.id, run.createdAt) }, audit, this.auditBounds, undone);
  }

  /**
   * A person locks a service+environment (`/deploy lock`): new deploys are refused with who and why until
   * `unlockManually`; rollbacks may still take the lock. Audited as `lock.taken`.
   *
   * @throws FlightdeckError `target-locked` naming the holder when the target is locked or being deployed.
   */
  async lockManually(service: string, environment: string, lock: ManualLock): Promise<void> {
    return lockManually(this.redis, this.keys, this.auditBounds, service, environment, lock);
  }

  /**
   * Releases a person's lock (`/deploy unlock`), whoever took it; audited as `lock.released` by `by`.
   * Returns the lock that was released.
   *
   * @throws FlightdeckError `usage` when nothing holds the lock; `target-locked` when a run holds it.
   */
  async unlockManually(service: string, environment: string, actor: { by: string; at: number }): Promise<ManualLock> {
    return unlockManually(this.redis, this.keys, this.auditBounds, service, environment, actor);
  }

  /**
   * An operator releases a lock (`flightdeck locks release`) held by a person or by no active run; audited as
   * `lock.released` with the reason and what held it. Returns what held it.
   *
   * @throws FlightdeckError `usage` when nothing holds it; `target-locked` when an active run holds it.
   */
  async releaseLock(service: string, environment: string, actor: { by: string; reason: string; at: number }): Promise<LockHolder> {
    return releaseLockAsOperator(this.redis, this.keys, this.auditBounds, { service, environment }, actor);
  }

  /** Every held lock with its holder (a run, a person, or an unknown value), for `/deploy status`. */
  async locks(): Promise<LockInfo[]> {
    return listLocks(this.redis, this.keys, (id) => this.get(id));
  }

  /** Reads a run, validated with the run schema; null when it does not exist. */
  async get(id: string): Promise<Run | null> {
    const doc = await this.redis.hget(this.keys.run(id), 'doc');
    return doc === null ? null : parseRun(doc);
  }

  /** Changes a run with compare-and-set, re-reading and re-applying `change` after a lost race (update-run.ts). */
  async update(id: string, change: (run: Run) => Transition | null, options: UpdateOptions = {}): Promise<UpdateResult> {
    return updateRun({ redis: this.redis, keys: this.keys, auditBounds: this.auditBounds, runRetentionMs: this.limits.runRetentionMs }, id, change, options);
  }

  /**
   * Records the Slack message the run lives in (compare-and-set, no audit entry: it is bookkeeping, not
   * a decision). Returns the stored run.
   */
  async setMessageTs(id: string, ts: string): Promise<Run> {
    const result = await this.update(id, (run) =>
      run.messageTs === ts ? null : { run: { ...run, messageTs: ts }, audit: [], effects: [] },
    );
    return result.run;
  }

  /** Every run that has not reached a terminal state, oldest first. */
  async activeRuns(): Promise<Run[]> {
    const ids = await this.redis.smembers(this.keys.active);
    const runs = await this.getMany(ids);
    return runs.sort((a, b) => a.createdAt - b.createdAt || Number(a.id) - Number(b.id));
  }

  /** What the lock of a service+environment holds now (a run id or a person's lock), or null when it is free. */
  async lockValue(service: string, environment: string): Promise<string | null> {
    return this.redis.get(this.keys.lock(service, environment));
  }

  /** The run holding the lock of a service+environment, or null when none does. */
  async activeRunFor(service: string, environment: string): Promise<Run | null> {
    const holder = await this.redis.get(this.keys.lock(service, environment));
    if (holder === null) return null;
    const run = await this.get(holder);
    return run && !isTerminal(run.state) ? run : null;
  }

  /** The latest `limit` runs of a service+environment, newest first. */
  async history(service: string, environment: string, limit: number): Promise<Run[]> {
    if (limit <= 0) return [];
    return this.getMany(await this.redis.zrevrange(this.keys.history(service, environment), 0, limit - 1));
  }

  /** What the four keys read of a service+environment's runs created at or after `since`, newest first (read-runs.ts). */
  async fourKeysRunsSince(service: string, environment: string, since: number, limit: number): Promise<FourKeysRun[]> {
    return readFourKeysRuns(this.redis, this.keys, service, environment, since, limit);
  }

  /** Changes whenever a run's history summary is written: what the four keys read has changed since the last read if this has. */
  async summariesVersion(): Promise<string> {
    return (await this.redis.get(this.keys.summariesVersion)) ?? '0';
  }

  /** The latest `limit` runs of a service+environment, newest first, as summaries, kept after their documents expire (read-runs.ts). */
  async historySummaries(service: string, environment: string, limit: number): Promise<RunSummary[]> {
    return readHistorySummaries(this.redis, this.keys, service, environment, limit);
  }

  /** The newest `count` audit entries (default 100), of one run when `runId` is given, oldest first (read-run-audit.ts). */
  async audit(runId?: string, count = 100): Promise<AuditEntry[]> {
    return readRunAudit(this.redis, this.keys, runId, count);
  }

  /**
   * Claims an idempotency key (a Slack delivery, a button click) for `ttlSeconds`. True for the first
   * caller only; later callers within the TTL get false and should drop their duplicate.
   */
  async claimOnce(key: string, ttlSeconds: number): Promise<boolean> {
    return (await this.redis.set(this.keys.once(key), '1', 'EX', ttlSeconds, 'NX')) === 'OK';
  }

  /**
   * {@link claimOnce} for each claim in order, stopping at the first already taken (the ones after it are
   * left alone), in one round trip. Returns how many were claimed (all of them only when each was first), and
   * with `thenRead` and every claim won, that run as {@link get} would return it (parsed when called, so a
   * document that cannot be read fails where the run is used).
   */
  async claimInOrder(claims: readonly { key: string; ttlSeconds: number }[], thenRead?: string): Promise<{ claimed: number; read?: () => Run | null }> {
    const keys = claims.map((claim) => this.keys.once(claim.key));
    if (thenRead !== undefined) keys.push(this.keys.run(thenRead));
    const [claimed, doc] = (await evalScript(this.redis, CLAIM_IN_ORDER_SCRIPT, keys, claims.map((claim) => claim.ttlSeconds))) as [number, string | null | undefined];
    if (thenRead === undefined || claimed < claims.length) return { claimed };
    return { claimed, read: () => (doc ? parseRun(doc) : null) };
  }

  /** Records that `userId` opened the Home tab at `at`; viewers not seen for `keepMs` are dropped. */
  async recordHomeViewer(userId: string, at: number, keepMs: number): Promise<void> {
    await this.redis.multi().zadd(this.keys.homeViewers, at, userId).zremrangebyscore(this.keys.homeViewers, '-inf', at - keepMs).exec();
  }

  /** Who opened the Home tab at or after `since`. */
  async homeViewers(since: number): Promise<string[]> {
    return this.redis.zrangebyscore(this.keys.homeViewers, since, '+inf');
  }

  /** Whether {@link claimOnce} has taken `key` and it has not expired. */
  async isClaimed(key: string): Promise<boolean> {
    return (await this.redis.exists(this.keys.once(key))) === 1;
  }

  /** Gives up a claim taken with {@link claimOnce} (the work it guarded failed), so a retry may claim it again. */
  async releaseOnce(key: string): Promise<void> {
    await this.redis.del(this.keys.once(key));
  }

  /**
   * Appends an audit entry that goes with no change of the run (a refused click, a denied command), so
   * refusals are on record too, at most `refusalsPerMinute` per actor and minute of `entry.at`: someone
   * clicking a refused button over and over cannot grow the audit. The entry is validated; the run is
   * not read. Returns whether it was appended.
   */
  async auditOnly(entry: AuditEntry): Promise<boolean> {
    const valid = auditEntrySchema.parse(entry);
    const counter = this.keys.refusals(valid.actor, Math.floor(valid.at / 60_000));
    const appended = await evalScript(this.redis, AUDIT_REFUSAL_SCRIPT, [counter, this.keys.audit], [this.limits.refusalsPerMinute, ...auditArgs(this.auditBounds, [valid])]);
    return appended === 1;
  }

  private async getMany(ids: readonly string[]): Promise<Run[]> {
    return readRuns(this.redis, this.keys, ids);
  }
}
