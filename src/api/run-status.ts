import { plainRunReason } from '../run/core/run-reason.js';
import { isTerminal, type Run, type RunState } from '../run/core/run-schema.js';

type ItemCounts = Record<'total' | 'pending' | 'running' | 'done' | 'failed' | 'skipped', number>;

/** What `GET /api/v1/runs/:id` answers (docs/api/openapi.yaml, `Run`). */
export interface RunStatus {
  id: string;
  kind: Run['kind'];
  service: string;
  environment: string;
  version: string;
  state: RunState;
  /** The run reached a terminal state. A `failed` deploy may still be rolled back: `rollbackRunId` then names that run. */
  ended: boolean;
  requestedBy: string;
  createdAt: string;
  updatedAt: string;
  endedAt?: string;
  /** The items of the regular phases by state; follow-ups are not counted, since they open after the run succeeded. */
  items: ItemCounts;
  /** Items that wait for a person (a tick or a sign-off), by title, while the run waits. */
  waitingFor: string[];
  /** Set once the run ended: its state again, and why, with people named by their Slack user id. */
  outcome?: { state: RunState; reason?: string };
  rollbackRunId?: string;
  url: string;
}

/** The path a pipeline polls for run `id`. */
export function runUrl(id: string): string {
  return `/api/v1/runs/${encodeURIComponent(id)}`;
}

/** A run as the API shows it. Pure. */
export function runStatus(run: Run): RunStatus {
  const items: ItemCounts = { total: 0, pending: 0, running: 0, done: 0, failed: 0, skipped: 0 };
  const waitingFor: string[] = [];
  for (const phase of run.phases.filter((candidate) => candidate.afterMs === undefined)) {
    for (const item of phase.items) {
      items.total += 1;
      items[item.state] += 1;
      const forPeople = item.kind === 'manual' || item.kind === 'signoff';
      if (run.state === 'waiting' && phase.state === 'active' && forPeople && item.state === 'pending') waitingFor.push(item.title);
    }
  }
  const ended = isTerminal(run.state);
  const iso = (ms: number) => new Date(ms).toISOString();
  return {
    id: run.id,
    kind: run.kind,
    service: run.service,
    environment: run.environment,
    version: run.version,
    state: run.state,
    ended,
    requestedBy: run.requestedBy,
    createdAt: iso(run.createdAt),
    updatedAt: iso(run.updatedAt),
    ...(run.endedAt === undefined ? {} : { endedAt: iso(run.endedAt) }),
    items,
    waitingFor,
    ...(ended ? { outcome: { state: run.state, ...(run.reason === undefined ? {} : { reason: plainRunReason(run.reason) }) } } : {}),
    ...(run.rollbackRunId === undefined ? {} : { rollbackRunId: run.rollbackRunId }),
    url: runUrl(run.id),
  };
}
