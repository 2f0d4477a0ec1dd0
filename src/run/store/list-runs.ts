import type { RunStore } from './run-store.js';

/** One line of `flightdeck runs list`: a run and how far its Slack message trails it. */
export interface RunRow {
  id: string;
  service: string;
  environment: string;
  state: string;
  seq: number;
  /** The seq the run's message shows. */
  rendered: number;
  /** How long the message has trailed the run, ms; undefined when it shows the run. */
  behindMs: number | undefined;
}

/**
 * The runs an operator looks at: every active run and every run (active or ended) whose message does not
 * show its latest change yet, oldest first; with `staleAfterMs`, only those whose message has trailed for
 * longer than that.
 */
export async function listRuns(store: RunStore, options: { staleAfterMs?: number } = {}): Promise<RunRow[]> {
  const { now, due } = await store.renders.renderDue();
  const since = new Map(due.map((d) => [d.id, d.since]));
  const runs = options.staleAfterMs === undefined ? await store.activeRuns() : [];
  const ids = new Set(runs.map((run) => run.id));
  for (const { id } of due) {
    if (ids.has(id)) continue;
    const run = await store.get(id);
    if (run) runs.push(run);
  }
  const rows: RunRow[] = [];
  for (const run of runs) {
    const dueSince = since.get(run.id);
    const behindMs = dueSince === undefined ? undefined : Math.max(0, now - dueSince);
    if (options.staleAfterMs !== undefined && (behindMs === undefined || behindMs <= options.staleAfterMs)) continue;
    rows.push({
      id: run.id,
      service: run.service,
      environment: run.environment,
      state: run.state,
      seq: run.seq,
      rendered: await store.renders.getRenderedSeq(run.id),
      behindMs,
    });
  }
  return rows.sort((a, b) => Number(a.id) - Number(b.id));
}

/** One line of `flightdeck runs list --stuck`. */
export interface StuckRunRow {
  id: string;
  service: string;
  environment: string;
  /** The step running, or '-' when none is. */
  step: string;
  /** How long past what it may take: its last change, or its running step's timeout or bake. */
  overdueMs: number;
}

/**
 * Runs that should have moved and did not: `running` (not waiting for people, not paused) with no change for
 * longer than `graceMs` past the later of their last change and what their running step may take (its
 * `timeoutMs`, a bake's `durationMs`, counted from its start). A step past its timeout is failed by its own
 * job, so a run past this has no worker acting on it. Oldest first.
 */
export async function listStuckRuns(store: RunStore, now: number, graceMs: number): Promise<StuckRunRow[]> {
  const rows: StuckRunRow[] = [];
  for (const run of await store.activeRuns()) {
    if (run.state !== 'running') continue;
    let due = run.updatedAt;
    let step = '-';
    for (const item of run.phases.flatMap((phase) => phase.items)) {
      if (item.kind !== 'step' || item.state !== 'running') continue;
      step = item.id;
      // Only some actions have a bound (a timeout, a bake's duration); the others are due once they last changed.
      const bound = 'timeoutMs' in item ? item.timeoutMs : 'durationMs' in item ? item.durationMs : 0;
      due = Math.max(due, (item.startedAt ?? run.updatedAt) + bound);
    }
    const overdueMs = now - due;
    if (overdueMs > graceMs) rows.push({ id: run.id, service: run.service, environment: run.environment, step, overdueMs });
  }
  return rows;
}
