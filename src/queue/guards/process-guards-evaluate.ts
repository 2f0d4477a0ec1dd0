import type { Job } from 'bullmq';
import { isFlightdeckError } from '../../errors/flightdeck-error.js';
import { dedupKeyFor } from '../../pagerduty/dedup-key-for.js';
import { runRef } from '../../run/core/run-ref.js';
import { assessGuard, recordGuardMeasurement } from '../../probes/assess-guard.js';
import { isTerminal, type Run, type RunGuard } from '../../run/core/run-schema.js';
import { runJobSchema } from '../engine/job-schemas.js';
import { assessmentSpecOf, decideBreach } from './decide-breach.js';
import type { GuardDeps } from './guard-deps.js';
import { guardScheduler } from './guard-scheduler.js';
import { guardTimeoutMs, measureGuard } from './measure-guard.js';
import { enqueueRollbackAlert } from '../incidents/process-alert-jobs.js';
import { settleEndedRun } from './settle-ended-run.js';
import { watchOpen } from '../../run/core/guard-watch.js';
import { evaluateWatch, type EvaluateOptions } from './evaluate-watch.js';

/** A run whose guards no longer watch: ended (and not in its day-after watch), or rolling back. */
export function guardsOver(run: Run): boolean {
  if (watchOpen(run)) return false;
  return isTerminal(run.state) || run.state === 'rolling-back' || run.guardsStoppedAt !== undefined;
}

/**
 * BullMQ processor for `guards-evaluate`, fired by the run's job scheduler. Measures every guard whose
 * interval has come, keeps its bounded history in Redis, applies `guard-assessed`, and on a breach
 * `guard-breached` (the domain then fails the run and requests the rollback, or pauses and pages, or
 * only notifies). A rollback breach also gets its alert job here: the domain emits alerts only for page
 * and notify. A succeeded run in its day-after watch has its watched guards evaluated with their watch
 * settings (`evaluateWatch`). Once the run's guards are over, the scheduler is kept only until the run's
 * PagerDuty incidents are settled (`settleEndedRun`).
 */
export function createGuardsEvaluateProcessor(deps: GuardDeps) {
  return async (job: Job, _token?: string, signal?: AbortSignal): Promise<void> => {
    const { runId } = runJobSchema.parse(job.data);
    const run = await deps.store.get(runId);
    if (!run) {
      await guardScheduler.remove(deps.queues, runId);
      return;
    }
    const longest = Math.max(...run.guards.map(guardTimeoutMs), 1000);
    if (!(await deps.guardStates.lock(runId, longest + 5000))) return;
    try {
      const aborted = signal ?? new AbortController().signal;
      if (guardsOver(run)) await settleEndedRun(run, deps, aborted);
      else if (watchOpen(run)) await evaluateWatch(run, deps, aborted, evaluateGuards);
      else if (run.guardsStartedAt !== undefined) await evaluateGuards(run, run.guards, deps, aborted);
    } finally {
      await deps.guardStates.unlock(runId);
    }
  };
}

/** Guards are evaluated when their interval has (nearly) passed: the scheduler ticks at the shortest interval. */
function isDue(guard: RunGuard, lastAt: number | undefined, now: number): boolean {
  return lastAt === undefined || now - lastAt >= guard.intervalMs - Math.min(500, guard.intervalMs / 2);
}

/**
 * Measures `guards` (the run's, or the watch's version of them), applies their assessments and breaches.
 * `options.stateKey` keeps the watch's histories apart from the rollout's; `options.mayAct` is asked right
 * before a breach is applied, and a false answer drops it (a newer run took the target meanwhile).
 */
async function evaluateGuards(run: Run, guards: readonly RunGuard[], deps: GuardDeps, signal: AbortSignal, options: EvaluateOptions = {}): Promise<void> {
  const logger = deps.logger.child({ run: run.id });
  const now = deps.now();
  const stateKey = options.stateKey ?? ((guard: RunGuard) => guard.id);
  const results = await Promise.all(
    guards.map(async (guard) => {
      const state = await deps.guardStates.load(run.id, stateKey(guard));
      if (!isDue(guard, state.history.recent.at(-1)?.at, now)) return undefined;
      const spec = assessmentSpecOf(guard);
      const measurement = await measureGuard(run, guard, deps, signal);
      const history = recordGuardMeasurement(spec, state.history, measurement);
      const assessment = assessGuard(spec, history, deps.now());
      await deps.guardStates.save(run.id, stateKey(guard), { ...state, history });
      return { guard, state: { ...state, history }, assessment };
    }),
  );
  for (const result of results) {
    if (!result) continue;
    const { guard, state, assessment } = result;
    try {
      await deps.engine.apply(run.id, { type: 'guard-assessed', guardId: guard.id, assessment });
      const breach = decideBreach(guard, assessment, state.alertedSince);
      if (!breach) continue;
      if (options.mayAct && !(await options.mayAct())) return;
      // Opened before the breach is applied: the run's guards-stop, enqueued by that transition, must see it.
      if (breach.action !== 'notify' && deps.pagerduty?.routes.has(run.service)) {
        await deps.incidents.open(run.id, guard.id, { dedupKey: dedupKeyFor(runRef(run), guard.id), state: 'triggering', breachAt: deps.now(), action: breach.action });
      }
      const after = await deps.engine.apply(run.id, { type: 'guard-breached', guardId: guard.id, action: breach.action, detail: breach.detail });
      await deps.guardStates.save(run.id, stateKey(guard), { ...state, alertedSince: assessment.since });
      const recorded = [...after.breaches].reverse().find((candidate) => candidate.guardId === guard.id);
      logger.warn({ guard: guard.id, action: breach.action, inconclusive: breach.inconclusive }, 'guard breached');
      const isNew = recorded !== undefined && !run.breaches.some((old) => old.guardId === guard.id && old.at === recorded.at);
      if (recorded && isNew && breach.action === 'rollback') await enqueueRollbackAlert(deps.queues, run.id, guard.id, recorded.detail, recorded.at);
    } catch (err) {
      // The run ended between measuring and reporting (another guard breached first): nothing more to say.
      if (isFlightdeckError(err) && err.code === 'run-finished') return;
      throw err;
    }
  }
}
