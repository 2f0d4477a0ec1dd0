import { setTimeout as sleep } from 'node:timers/promises';
import { catalogued } from '../../errors/error-catalogue.js';
import type { FlightdeckError } from '../../errors/flightdeck-error.js';
import type { Effect, Transition } from '../core/run-event.js';
import { isTerminal, runSchema, type Run } from '../core/run-schema.js';
import { showsChange } from '../core/shows-change.js';
import type { RedisClient } from './create-redis.js';
import { auditArgs, evalScript, type AuditBounds } from './eval-script.js';
import { parseRun, serializeRun } from './parse-run.js';
import type { RunKeys } from './run-keys.js';
import { summarizeRun } from './run-summary.js';
import { UPDATE_RUN_SCRIPT } from './update-run-script.js';

export interface UpdateResult {
  /** The run as stored after the update (or as read, when nothing changed). */
  run: Run;
  /** Effects of the transition that was written; empty when nothing changed. */
  effects: Effect[];
  changed: boolean;
  /** The run's message showed the run before this change, which it does not show (shows-change.ts): it needs no render. */
  messageCurrent?: boolean;
}

export interface UpdateOptions {
  /** How many times to re-read and re-apply after a concurrent writer won. Default 10. */
  retries?: number;
  /**
   * The run as the caller has just read it (`get`): the first attempt compares and sets against its seq
   * instead of reading it again, saving a round trip on a request's path. A run changed since fails the
   * compare-and-set and is re-read, as after any lost write.
   */
  read?: Run;
  /**
   * The jobs of the transition that nothing else would ask for again should the writer die before it enqueues
   * them, as JSON (undefined: none): kept with the write, in its script, until the writer settles them.
   */
  outbox?: (next: Run, effects: readonly Effect[]) => string | undefined;
}

/** What a run write needs of its store. */
export interface UpdateRunDeps {
  redis: RedisClient;
  keys: RunKeys;
  auditBounds: AuditBounds;
  /** How long an ended run's document is kept after this write. */
  runRetentionMs: number;
}

/**
 * Changes a run with compare-and-set. `change` gets the stored run and returns a transition (or null for
 * "nothing to do"); the write lands only if nobody wrote in between, otherwise the run is re-read and
 * `change` is called again, so `change` must be pure. A transition that returns the very same run
 * object and no audit is treated as no change and writes nothing. On a terminal state the lock is
 * released and the run leaves the active set, in the same script.
 *
 * @throws FlightdeckError `run-not-found` when the run does not exist; `store-conflict` (retryable) after
 *   `retries` lost races; anything `change` throws, unchanged (the stored run stays as it was).
 */
export async function updateRun(deps: UpdateRunDeps, id: string, change: (run: Run) => Transition | null, options: UpdateOptions = {}): Promise<UpdateResult> {
  const retries = options.retries ?? 10;
  const key = deps.keys.run(id);
  for (let attempt = 0; ; attempt++) {
    const [seq, current] = attempt === 0 && options.read?.id === id ? [String(options.read.seq), options.read] : await readForUpdate(deps.redis, key, id);
    const result = change(current);
    if (result === null || (result.run === current && result.audit.length === 0)) {
      return { run: current, effects: [], changed: false };
    }
    const next = runSchema.parse({ ...result.run, seq: Number(seq) + 1 });
    const written = await evalScript(
      deps.redis,
      UPDATE_RUN_SCRIPT,
      [
        key,
        deps.keys.audit,
        deps.keys.lock(next.service, next.environment),
        deps.keys.active,
        deps.keys.renderDue,
        deps.keys.summaries,
        deps.keys.reconcileDue,
        deps.keys.summariesVersion,
        deps.keys.outbox(id),
        deps.keys.outboxDue,
      ],
      [
        seq,
        next.seq,
        serializeRun(next),
        isTerminal(next.state) ? (isTerminal(current.state) ? '2' : '1') : '0',
        id,
        deps.runRetentionMs,
        JSON.stringify(summarizeRun(next)),
        showsChange(current, next) ? '0' : '1',
        options.outbox?.(next, result.effects) ?? '',
        ...auditArgs(deps.auditBounds, result.audit),
      ],
    );
    if (written === 1 || written === 2) return { run: next, effects: result.effects, changed: true, messageCurrent: written === 2 };
    if (written === -1) throw runNotFound(id);
    if (attempt >= retries) {
      throw catalogued('run-kept-changing', { runId: id, attempts: retries + 1 });
    }
    // Jittered backoff: writers that lost together would otherwise collide again on the next round.
    await sleep(Math.random() * Math.min(100, 5 * 2 ** attempt));
  }
}

/** The stored seq and run, for a compare-and-set. */
async function readForUpdate(redis: RedisClient, key: string, id: string): Promise<[string, Run]> {
  const [seq, doc] = await redis.hmget(key, 'seq', 'doc');
  if (seq == null || doc == null) throw runNotFound(id);
  return [seq, parseRun(doc)];
}

function runNotFound(id: string): FlightdeckError {
  return catalogued('run-missing', { runId: id });
}
