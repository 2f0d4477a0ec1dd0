import { catalogued } from '../../errors/error-catalogue.js';
import { renderQueueOf } from './mark-render-due-lua.js';

/** The Redis key names of one flightdeck installation. */
export interface RunKeys {
  /** The common `{prefix}:` start; Lua scripts build a holder run's key from it. */
  base: string;
  runId: string;
  run(id: string): string;
  lock(service: string, environment: string): string;
  active: string;
  history(service: string, environment: string): string;
  audit: string;
  /** One run's own index of its audit entries, under their stream ids (written with them, see append-audit-lua.ts). */
  runAudit(id: string): string;
  /** Run id → one-line summary of each ended run: the history left once its document expired. */
  summaries: string;
  /** Counts the writes of the summaries hash, so readers of every summary (the four keys of /metrics) know when to read again. */
  summariesVersion: string;
  /** Counts one actor's refusals in one minute (ms since the epoch / 60000), to bound what they add to the audit. */
  refusals(actor: string, minute: number): string;
  /**
   * Runs whose latest change is not yet shown in Slack, scored by when the oldest change not shown was made
   * (Redis time, ms); survives the run leaving the active set.
   */
  renderDue: string;
  /**
   * Runs that may need the reconciler, scored by when (Redis time, ms): every write of an active run scores it
   * no later than the write, the reconciler re-scores it to its next check or drops it, an ending drops it.
   */
  reconcileDue: string;
  /** Held by the process whose reconcile pass is under way or was the last to start: one pass at a time across every worker process. */
  reconcilePass: string;
  /** The set that held render-due runs before they were scored; read once after an upgrade, then deleted. */
  legacyRenderDue: string;
  /** Held by the one render of the run's message under way, so two renders never race. */
  renderLock(id: string): string;
  /**
   * Runs whose render may run, scored by when (Redis ms): a run joins it with the write that makes it render-due,
   * a worker claims it by scoring it a lease on, and it leaves once its message shows it (render-loop.ts).
   */
  renderQueue: string;
  /** Marks the render of the run waiting for its turn (`<turn>`, or `ahead:<turn>` ahead of the channel's line), which reads the run when it comes. */
  renderWaiting(id: string): string;
  /** Jobs (`<queue>:<job id>`) asleep until the run's message is posted; the render that posts it wakes them. */
  messageWaiters(id: string): string;
  /** Jobs (`<queue>:<job id>`) asleep until the run's message shows the run; the render that shows it wakes them. */
  shownWaiters(id: string): string;
  once(key: string): string;
  /** Who opened the app's Home tab, scored by when they last did (ms): their tabs are re-rendered on run changes. */
  homeViewers: string;
  /** Jobs a write of the run committed and its writer has not enqueued yet: `<seq>` → their JSON (outbox-index.ts). */
  outbox(id: string): string;
  /** Runs with such jobs, scored by when the oldest was committed (Redis time, ms). */
  outboxDue: string;
}

/**
 * Builds the key names under `{prefix}:`. The braces are a Redis Cluster hash tag: every key lands in one
 * slot, so a single Lua script may touch a run, its lock, the audit stream and the history index.
 *
 * @throws FlightdeckError `config-invalid` when the prefix is empty or contains a brace (it would break the tag).
 */
export function runKeys(prefix: string): RunKeys {
  if (prefix === '' || /[{}]/.test(prefix)) {
    throw catalogued('key-prefix-invalid', { prefix });
  }
  const base = `{${prefix}}:`;
  return {
    base,
    runId: `${base}run-id`,
    run: (id) => `${base}run:${id}`,
    lock: (service, environment) => `${base}lock:${service}:${environment}`,
    active: `${base}active`,
    history: (service, environment) => `${base}history:${service}:${environment}`,
    audit: `${base}audit`,
    runAudit: (id) => `${base}audit:run-${id}`,
    summaries: `${base}run-summaries`,
    summariesVersion: `${base}run-summaries-version`,
    refusals: (actor, minute) => `${base}refusals:${actor}:${minute}`,
    renderDue: `${base}render-due-at`,
    renderQueue: renderQueueOf(`${base}render-due-at`),
    reconcileDue: `${base}reconcile-due`,
    reconcilePass: `${base}reconcile-pass`,
    legacyRenderDue: `${base}render-due`,
    renderLock: (id) => `${base}render-lock:${id}`,
    renderWaiting: (id) => `${base}render-waiting:${id}`,
    messageWaiters: (id) => `${base}message-waiters:${id}`,
    shownWaiters: (id) => `${base}shown-waiters:${id}`,
    once: (key) => `${base}once:${key}`,
    homeViewers: `${base}home-viewers`,
    outbox: (id) => `${base}outbox:${id}`,
    outboxDue: `${base}outbox-due`,
  };
}
