import { catalogued } from '../../errors/error-catalogue.js';
import type { RedisClient } from './create-redis.js';
import { auditArgs, evalScript, type AuditBounds } from './eval-script.js';
import { CREATE_ROLLBACK_SCRIPT, MANUAL_LOCK_PREFIX, MANUAL_LOCK_SCRIPT, MANUAL_UNLOCK_SCRIPT, OPERATOR_RELEASE_SCRIPT } from './lock-scripts.js';
import { manualLockValue, manuallyLocked, parseManualLock, type LockHolder, type LockInfo, type ManualLock } from './manual-lock.js';
import { parseRun, serializeRun } from './parse-run.js';
import type { RunKeys } from './run-keys.js';
import { runSchema, type AuditEntry, type Run } from '../core/run-schema.js';
import { summarizeRun } from './run-summary.js';

/*
 * Lock operations beyond a deploy's own create: rollbacks that take over a lock, and people's locks.
 * RunStore exposes them; they live here to keep the store readable.
 */

export interface CreateRollbackResult {
  run: Run;
  /** The undone run as written in the same script; null when none was given. */
  undone: Run | null;
  /** Who held the lock before the rollback took it; null when it was free. */
  replaced: LockHolder | null;
}

/** The run a rollback undoes, as it is to be written in the rollback's own script. */
export interface UndoneRunWrite {
  /** The run after its `rollback-started` transition (its seq is set here). */
  next: Run;
  /** The seq it was computed from: the write happens only if the stored run still has it. */
  expectedSeq: number;
  /** Its transition's jobs to keep in its outbox until enqueued, as for UpdateOptions.outbox. */
  outbox?: (next: Run) => string | undefined;
}

export async function createRollback(redis: RedisClient, keys: RunKeys, run: Run, audit: AuditEntry[], bounds: AuditBounds, undone?: UndoneRunWrite): Promise<CreateRollbackResult> {
  if (run.kind !== 'rollback') throw catalogued('not-a-rollback', { runId: run.id });
  const stored = runSchema.parse({ ...run, seq: 1 });
  const undoneNext = undone ? runSchema.parse({ ...undone.next, seq: undone.expectedSeq + 1 }) : undefined;
  const reply = (await evalScript(
    redis,
    CREATE_ROLLBACK_SCRIPT,
    [
      keys.lock(run.service, run.environment),
      keys.run(run.id),
      keys.active,
      keys.history(run.service, run.environment),
      keys.audit,
      keys.renderDue,
      undoneNext ? keys.run(undoneNext.id) : keys.run(run.id),
      keys.reconcileDue,
      keys.summaries,
      keys.summariesVersion,
      keys.outbox(undoneNext?.id ?? run.id),
      keys.outboxDue,
    ],
    [
      run.id,
      serializeRun(stored),
      run.createdAt,
      keys.base,
      ...auditArgs(bounds, audit),
      undoneNext?.id ?? '',
      undone?.expectedSeq ?? '',
      undoneNext?.seq ?? '',
      undoneNext ? serializeRun(undoneNext) : '',
      undoneNext ? JSON.stringify(summarizeRun(undoneNext)) : '',
      (undoneNext && undone?.outbox?.(undoneNext)) ?? '',
    ],
  )) as [string, string?];
  switch (reply[0]) {
    case 'created':
      return { run: stored, undone: undoneNext ?? null, replaced: reply[1] ? await holderOf(redis, keys, reply[1]) : null };
    case 'held': {
      const holder = parseRun(reply[1]!);
      throw catalogued('rollback-in-flight', { service: run.service, environment: run.environment, runId: holder.id });
    }
    case 'other': {
      const holder = parseRun(reply[1]!);
      throw catalogued('rollback-beside-run', { service: run.service, environment: run.environment, holder: { id: holder.id, version: holder.version, state: holder.state } });
    }
    case 'stale':
      throw catalogued('rollback-base-changed', { runId: undoneNext?.id ?? '?' });
    default:
      throw catalogued('run-exists', { runId: run.id });
  }
}

export async function lockManually(redis: RedisClient, keys: RunKeys, bounds: AuditBounds, service: string, environment: string, lock: ManualLock): Promise<void> {
  const reply = (await evalScript(
    redis,
    MANUAL_LOCK_SCRIPT,
    [keys.lock(service, environment), keys.audit],
    [manualLockValue(lock), keys.base, ...auditArgs(bounds, [{ run: '', actor: lock.by, action: 'lock.taken', detail: `${service} ${environment}: ${lock.reason}`, at: lock.at }])],
  )) as [string, string?, string?];
  if (reply[0] === 'locked') return;
  const manual = parseManualLock(reply[1]!);
  if (manual) throw manuallyLocked(service, environment, manual);
  if (reply[2]) {
    const holder = parseRun(reply[2]);
    throw catalogued('lock-beside-run', { service, environment, holder: { id: holder.id, version: holder.version, state: holder.state } });
  }
  throw catalogued('locked-by-unknown', { service, environment, value: reply[1] ?? '' });
}

export async function unlockManually(
  redis: RedisClient,
  keys: RunKeys,
  bounds: AuditBounds,
  service: string,
  environment: string,
  actor: { by: string; at: number },
): Promise<ManualLock> {
  const reply = (await evalScript(
    redis,
    MANUAL_UNLOCK_SCRIPT,
    [keys.lock(service, environment), keys.audit],
    [MANUAL_LOCK_PREFIX, ...auditArgs(bounds, [{ run: '', actor: actor.by, action: 'lock.released', detail: `${service} ${environment}`, at: actor.at }])],
  )) as [string, string?];
  if (reply[0] === 'none') {
    throw catalogued('not-locked', { service, environment });
  }
  if (reply[0] === 'held') {
    throw catalogued('unlock-run-lock', { service, environment, runId: reply[1] ?? '' });
  }
  // The value was written by lockManually; a foreign value under the prefix is still released.
  return parseManualLock(reply[1]!) ?? { by: 'unknown', reason: reply[1]!, at: 0 };
}

/**
 * Releases a lock for an operator, whatever holds it — a person's lock, or a value naming no active run (its
 * run lost with a partial restore) — except an active run, audited as `lock.released` with the reason and what
 * held it. Returns what held it.
 *
 * @throws FlightdeckError `usage` when nothing holds it; `target-locked` when an active run holds it, or the
 *   lock changed while it was being released (nothing released).
 */
export async function releaseLockAsOperator(
  redis: RedisClient,
  keys: RunKeys,
  bounds: AuditBounds,
  target: { service: string; environment: string },
  actor: { by: string; reason: string; at: number },
): Promise<LockHolder> {
  const { service, environment } = target;
  const key = keys.lock(service, environment);
  const value = await redis.get(key);
  if (value === null) throw catalogued('lock-not-held', { service, environment });
  const holder = await holderOf(redis, keys, value);
  const held = holder.kind === 'manual' ? `a lock by ${holder.by}: ${holder.reason}` : holder.kind === 'run' ? `run #${holder.run.id} (${holder.run.state})` : `"${value}"`;
  const detail = `${service} ${environment}: ${actor.reason} (held by ${held})`;
  const reply = (await evalScript(redis, OPERATOR_RELEASE_SCRIPT, [key, keys.audit, keys.active], [
    value,
    ...auditArgs(bounds, [{ run: '', actor: actor.by, action: 'lock.released', detail, at: actor.at }]),
  ])) as [string, string?];
  if (reply[0] === 'run') throw catalogued('lock-held-by-active-run', { service, environment, runId: value });
  if (reply[0] === 'changed') throw catalogued('lock-changed-while-releasing', { service, environment });
  return holder;
}

/** Every lock currently held, sorted by service then environment. */
export async function listLocks(redis: RedisClient, keys: RunKeys, getRun: (id: string) => Promise<Run | null>): Promise<LockInfo[]> {
  const prefix = keys.lock('', '').slice(0, -1);
  const found: string[] = [];
  let cursor = '0';
  do {
    const [next, batch] = await redis.scan(cursor, 'MATCH', `${escapeGlob(prefix)}*`, 'COUNT', 1000);
    found.push(...batch);
    cursor = next;
  } while (cursor !== '0');
  const locks: LockInfo[] = [];
  for (const key of found.sort()) {
    const [service, environment] = key.slice(prefix.length).split(':') as [string, string];
    const value = await redis.get(key);
    if (value === null) continue;
    const holder = await holderOf(redis, keys, value, getRun);
    locks.push({ service, environment, holder });
  }
  return locks;
}

async function holderOf(redis: RedisClient, keys: RunKeys, value: string, getRun?: (id: string) => Promise<Run | null>): Promise<LockHolder> {
  const manual = parseManualLock(value);
  if (manual) return { kind: 'manual', ...manual };
  const doc = getRun ? await getRun(value) : await redis.hget(keys.run(value), 'doc').then((d) => (d === null ? null : parseRun(d)));
  return doc ? { kind: 'run', run: doc } : { kind: 'unknown', value };
}

function escapeGlob(text: string): string {
  return text.replace(/[*?[\]\\]/g, (c) => `\\${c}`);
}
