import { isTerminal, type Run } from './run-schema.js';

const DAY_MS = 86_400_000;

/** States a deploy run ends in when the change it made did not hold. */
const FAILED_STATES: ReadonlySet<string> = new Set(['failed', 'error', 'rolled-back', 'rollback-failed']);

/**
 * What the four keys read of a run, small enough to keep in its history summary. `changedCluster`: its first
 * cluster-changing step recorded what it replaced, or started the guards, or it was rolled back. `commitAt` is
 * when the deployed change was committed, as CI reports it when it starts the deploy through the API; a run
 * started without it has no lead time.
 */
export interface FourKeysRun {
  id: string;
  kind: Run['kind'];
  state: Run['state'];
  createdAt: number;
  endedAt?: number | undefined;
  rollbackRunId?: string | undefined;
  firstBreachAt?: number | undefined;
  changedCluster: boolean;
  commitAt?: number | undefined;
}

/** The facts of `run` the four keys read. Pure. */
export function fourKeysRunOf(run: Run): FourKeysRun {
  const breaches = run.breaches.map((breach) => breach.at);
  return {
    id: run.id,
    kind: run.kind,
    state: run.state,
    createdAt: run.createdAt,
    endedAt: run.endedAt,
    rollbackRunId: run.rollbackRunId,
    firstBreachAt: breaches.length > 0 ? Math.min(...breaches) : undefined,
    changedCluster: run.rollbackTarget !== undefined || run.guardsStartedAt !== undefined || run.rollbackRunId !== undefined,
    commitAt: run.commit?.at,
  };
}

/** The period the keys are computed over: runs created in `[from, to)`, epoch ms. */
export interface FourKeysRange {
  from: number;
  to: number;
}

/** The four keys of one service and environment over a range. A key with nothing to measure is undefined. */
export interface FourKeys {
  /** Deploy runs that ended after changing the cluster. */
  deployments: number;
  /** Deployments a day over the range. */
  perDay: number;
  /** Deployments in each 24 hours of the range counted from `from`, oldest first (the last may be partial). */
  daily: number[];
  /** Of `daily`, the deployments that failed or were rolled back, by the same days. */
  dailyFailures: number[];
  /** Deployments that failed or were rolled back. */
  failures: number;
  /** failures ÷ deployments; undefined without deployments. */
  changeFailureRate: number | undefined;
  /** Median time from a failure (its first breach, or the failure itself) to the service being restored. */
  timeToRestoreMs: number | undefined;
  /** How many failures were restored (the median's sample); the others are still open. */
  restored: number;
  /** Median time from commit to the deploy's end, over deployments that carry their commit time; else unknown. */
  leadTimeMs: number | undefined;
}

/**
 * Computes the four keys (DORA) from runs: deploys created in the range that ended after changing the
 * cluster are the deployments; those that failed or were rolled back are the failures. A failure is restored
 * by the end of the rollback run that undid it, by its own rollback ending `rolled-back`, or by the next
 * deployment after it that succeeded (a fix forward). Runs still in flight are left out; rollback runs count
 * only as what restores a deploy. `runs` may hold runs outside the range (a later rollback). Pure.
 */
export function computeFourKeys(runs: readonly FourKeysRun[], range: FourKeysRange): FourKeys {
  const byId = new Map(runs.map((run) => [run.id, run]));
  const deployments = runs
    .filter((run) => run.kind === 'deploy' && isTerminal(run.state) && run.createdAt >= range.from && run.createdAt < range.to && run.changedCluster)
    .sort((a, b) => a.createdAt - b.createdAt || Number(a.id) - Number(b.id));
  const failures = deployments.filter(isFailure);
  const succeeded = runs
    .filter((run) => run.kind === 'deploy' && run.state === 'succeeded' && run.endedAt !== undefined)
    .sort((a, b) => a.createdAt - b.createdAt);
  const restores = failures.flatMap((failure) => {
    const restoredAt = restoredAtOf(failure, byId, succeeded);
    return restoredAt === undefined ? [] : [Math.max(0, restoredAt - failedAtOf(failure, byId))];
  });
  const leadTimes = deployments.flatMap((run) => (run.commitAt === undefined ? [] : [Math.max(0, (run.endedAt ?? run.createdAt) - run.commitAt)]));
  const days = Math.max(1, Math.ceil((range.to - range.from) / DAY_MS));
  const daily = new Array<number>(days).fill(0);
  const dailyFailures = new Array<number>(days).fill(0);
  const dayOf = (run: FourKeysRun) => Math.min(days - 1, Math.floor((run.createdAt - range.from) / DAY_MS));
  for (const run of deployments) daily[dayOf(run)]! += 1;
  for (const run of failures) dailyFailures[dayOf(run)]! += 1;
  return {
    deployments: deployments.length,
    perDay: deployments.length / Math.max(1, (range.to - range.from) / DAY_MS),
    daily,
    dailyFailures,
    failures: failures.length,
    changeFailureRate: deployments.length === 0 ? undefined : failures.length / deployments.length,
    timeToRestoreMs: median(restores),
    restored: restores.length,
    leadTimeMs: median(leadTimes),
  };
}

function isFailure(run: FourKeysRun): boolean {
  return FAILED_STATES.has(run.state) || run.rollbackRunId !== undefined;
}

/** When the change was known bad: its first breach, else when a rollback of it was requested, else its end. */
function failedAtOf(run: FourKeysRun, byId: ReadonlyMap<string, FourKeysRun>): number {
  if (run.firstBreachAt !== undefined) return run.firstBreachAt;
  const rollback = run.rollbackRunId === undefined ? undefined : byId.get(run.rollbackRunId);
  return rollback?.createdAt ?? run.endedAt ?? run.createdAt;
}

function restoredAtOf(run: FourKeysRun, byId: ReadonlyMap<string, FourKeysRun>, succeeded: readonly FourKeysRun[]): number | undefined {
  const rollback = run.rollbackRunId === undefined ? undefined : byId.get(run.rollbackRunId);
  if (rollback?.state === 'succeeded' && rollback.endedAt !== undefined) return rollback.endedAt;
  // A rollback run outside the runs given (or none: an older run rolled back in place) still restored it.
  if (rollback === undefined && run.state === 'rolled-back' && run.endedAt !== undefined) return run.endedAt;
  const fix = succeeded.find((next) => next.createdAt > run.createdAt);
  return fix?.endedAt;
}

function median(values: readonly number[]): number | undefined {
  if (values.length === 0) return undefined;
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}
