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
