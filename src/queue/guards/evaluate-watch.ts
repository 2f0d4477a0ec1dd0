import { watchedGuards } from '../../run/core/guard-watch.js';
import type { Run, RunGuard } from '../../run/core/run-schema.js';
import type { GuardDeps } from './guard-deps.js';

/** How `evaluateGuards` treats the guards it is handed (see there). */
export interface EvaluateOptions {
  stateKey?: (guard: RunGuard) => string;
  mayAct?: () => Promise<boolean>;
}

/** `evaluateGuards` of process-guards-evaluate.ts, handed in: importing it back would make an import cycle. */
type EvaluateGuards = (run: Run, guards: readonly RunGuard[], deps: GuardDeps, signal: AbortSignal, options?: EvaluateOptions) => Promise<void>;

/**
 * The newest run of the run's service and environment when it is newer than the run: it has taken the
 * target over, so the watch of the older release must not act on what is now the newer one's. Any newer
 * run counts, even one that changed nothing yet: the watch ends once someone has begun another release
 * (or rollback) there, rather than racing its first cluster change.
 */
export async function supersedingRun(run: Run, deps: Pick<GuardDeps, 'store'>): Promise<Run | undefined> {
  const [newest] = await deps.store.history(run.service, run.environment, 1);
  return newest && newest.id !== run.id && newest.createdAt >= run.createdAt ? newest : undefined;
}

/**
 * One tick of a succeeded run's day-after watch: ends it when its window has passed or a newer run of the
 * target exists (applying `watch-ended`, which the message and thread show), otherwise evaluates the
 * guards still inside their own window with their watch settings, histories kept apart from the rollout's
 * (`watch:<guard>`). A breach is dropped when a newer run appeared while the guards were measured.
 */
export async function evaluateWatch(run: Run, deps: GuardDeps, signal: AbortSignal, evaluateGuards: EvaluateGuards): Promise<void> {
  const now = deps.now();
  if (run.watch !== undefined && now >= run.watch.until) {
    await deps.engine.apply(run.id, { type: 'watch-ended', end: { kind: 'expired' } });
    return;
  }
  const newer = await supersedingRun(run, deps);
  if (newer) {
    deps.logger.info({ run: run.id, newer: newer.id }, 'a newer run of the target began; the watch ends');
    await deps.engine.apply(run.id, { type: 'watch-ended', end: { kind: 'superseded', runId: newer.id } });
    return;
  }
  await evaluateGuards(run, watchedGuards(run, now), deps, signal, {
    stateKey: (guard) => `watch:${guard.id}`,
    mayAct: async () => (await supersedingRun(run, deps)) === undefined,
  });
}
