import { escapeMrkdwn } from '../../format/escape-mrkdwn.js';
import { DelayedError, type Job } from 'bullmq';
import { isFlightdeckError, isRetryableCode, type ErrorCode } from '../../errors/flightdeck-error.js';
import { toUserText } from '../../errors/user-text.js';
import type { Logger } from '../../observability/create-logger.js';
import type { RunStore } from '../../run/store/run-store.js';
import { CLUSTER_CHANGING_ACTIONS } from '../../run/core/run-item-schema.js';
import { isTerminal, type Run } from '../../run/core/run-schema.js';
import { finishRollback } from '../engine/finish-rollback.js';
import { stepJobSchema } from '../engine/job-schemas.js';
import { executeStep } from './execute-step.js';
import type { StepContext } from './step-context.js';

/** A bad release ends the run `failed`; anything else that stops a step means flightdeck or its infrastructure broke. */
const RELEASE_FAILURES: ReadonlySet<ErrorCode> = new Set(['rollout-failed', 'rollout-timeout']);

/**
 * How a step's permanent error ends the run. A 403 is flightdeck's setup, not the release, so it is `error`
 * — unless an earlier step already changed what the cluster serves: ending `error` would then leave a
 * half-done release serving, so it ends `failed` and what can be rolled back is. (The refused request
 * itself changed nothing, so a 403 on the first change still ends `error` with the cluster untouched.)
 */
function outcomeOf(code: ErrorCode, run: Run | null, itemId: string): 'failed' | 'error' {
  if (RELEASE_FAILURES.has(code)) return 'failed';
  if (code !== 'k8s-forbidden' || run === null) return 'error';
  const changedBefore = run.phases.some((phase) =>
    phase.items.some((item) => item.id !== itemId && item.kind === 'step' && CLUSTER_CHANGING_ACTIONS.has(item.action) && item.state === 'done'),
  );
  return changedBefore ? 'failed' : 'error';
}

export interface ProcessStepOptions extends Omit<StepContext, 'signal'> {
  store: RunStore;
  logger: Logger;
}

/**
 * BullMQ processor for step jobs (deploy steps on `steps`, rollback runs' steps on `rollback`). Transient
 * errors are rethrown while attempts remain, so BullMQ retries them with backoff; a permanent error, or
 * the last attempt, ends the step in the run document. A step that waits for the clock (a bake) moves its
 * job to delayed and frees the slot. When a rollback run ends here, the run it undoes learns how it went.
 */
export function createStepProcessor(options: ProcessStepOptions) {
  return async (job: Job, token?: string, signal?: AbortSignal): Promise<void> => {
    const { runId, itemId } = stepJobSchema.parse(job.data);
    const logger = options.logger.child({ run: runId, item: itemId, job: job.id });
    const run = await options.store.get(runId);
    const item = run?.phases.flatMap((phase) => phase.items).find((candidate) => candidate.id === itemId);
    if (!run || !item || isTerminal(run.state) || item.state !== 'running') {
      logger.debug('step no longer needed');
      if (run) await finishRollback(options, run);
      return;
    }
    let after: Run;
    let wakeAt: number | undefined;
    try {
      const outcome = await executeStep(run, item, { ...options, signal });
      if (outcome.done === 'failed') {
        // A failed Job: the release is bad, and the Job's outcome and log go with the failure.
        after = await options.engine.apply(runId, { type: 'step-failed', itemId, reason: escapeMrkdwn(outcome.reason), outcome: 'failed', job: outcome.job });
        logger.error({ reason: outcome.reason }, 'step failed');
      } else if (outcome.done) {
        after = await options.engine.apply(runId, { type: 'step-succeeded', itemId, detail: escapeMrkdwn(outcome.detail), ...(outcome.job ? { job: outcome.job } : {}) });
        logger.info({ detail: outcome.detail }, 'step succeeded');
      } else {
        after = await options.engine.apply(runId, { type: 'step-progress', itemId, detail: escapeMrkdwn(outcome.detail) });
        wakeAt = outcome.wakeAt;
      }
    } catch (err) {
      if (signal?.aborted) throw err;
      const code = isFlightdeckError(err) ? err.code : 'internal';
      // The run ended while this step worked (another worker finished it, or a person stopped it): nothing to record.
      if (code === 'run-finished') return;
      if (code === 'lock-lost') {
        const ended = await endForLostLock(options, run, itemId);
        logger.warn({ reason: (err as Error).message }, 'step found its run no longer holds the lock; the run ends aborted');
        if (ended) await finishRollback(options, ended);
        return;
      }
      const attemptsLeft = (job.opts.attempts ?? 1) - job.attemptsMade - 1;
      if (isRetryableCode(code) && attemptsLeft > 0) {
        logger.warn({ err, attemptsLeft }, 'step failed transiently; retrying');
        throw err;
      }
      // What failed is told in the cluster's and the workload's own words: shown as typed, never as mrkdwn.
      const reason = escapeMrkdwn(toUserText(err, `job ${job.id}`));
      logger.error({ err, code }, 'step failed');
      const outcome = outcomeOf(code, await options.store.get(runId), itemId);
      after = await options.engine.apply(runId, {
        type: 'step-failed',
        itemId,
        reason,
        outcome,
        // A release half-done because a permission is missing needs someone to fix the RBAC now.
        ...(outcome === 'failed' && code === 'k8s-forbidden' ? { page: true } : {}),
      });
    }
    if (wakeAt !== undefined) {
      // Outside the step's error handling: a worker that lost the job's lock fails to delay it, and that is
      // BullMQ's to settle (the job already runs elsewhere), not a failure of the step.
      await job.moveToDelayed(wakeAt, token);
      throw new DelayedError();
    }
    await finishRollback(options, after);
  };
}

/** Ends the run `aborted` for a step that found another run holding its lock; null when the run had already ended. */
async function endForLostLock(options: ProcessStepOptions, run: Run, itemId: string): Promise<Run | null> {
  const holder = (await options.store.lockValue(run.service, run.environment)) ?? '';
  try {
    return await options.engine.apply(run.id, { type: 'lock-lost', itemId, holder });
  } catch (err) {
    if (isFlightdeckError(err) && err.code === 'run-finished') return null;
    throw err;
  }
}
