import { setTimeout as sleep } from 'node:timers/promises';
import { DelayedError, type Job } from 'bullmq';
import type { JobHandler } from '../engine/job-handler.js';

/**
 * The longest wait a notify job spends asleep inside its worker rather than as a delayed job. Most waits are
 * this short (a turn a few writes down the channel's line, a look for the earlier reply or the run message,
 * the summary's head start), and each one through BullMQ is a move to delayed and a move back to active:
 * about 25 Redis commands, more than the rest of the look. Longer waits go through BullMQ, so a job whose
 * worker dies while it sleeps is late by at most this, on top of the lock's lapse, for a stalled job.
 */
export const IN_PROCESS_SLEEP_MAX_MS = 10_000;

/** A job of a handler wrapped by {@link sleepingInProcess}: whether a wait of `ms` may be slept in the worker. */
const inProcess = new WeakMap<Job, (ms: number) => boolean>();

/** Thrown by {@link sleepJob} for a wait the wrapping handler sleeps in the worker; never leaves it. */
class InProcessSleep extends Error {
  constructor(readonly ms: number) {
    super(`sleeping ${ms} ms in the worker`);
    this.name = 'InProcessSleep';
  }
}

/**
 * Puts the job to sleep for `ms` without spending an attempt; never returns. A short wait of a job run by
 * {@link sleepingInProcess} is slept in the worker, after which the job runs again from the start; any other
 * is a move back to delayed (the worker must see the DelayedError).
 */
export async function sleepJob(job: Job, token: string | undefined, ms: number): Promise<never> {
  if (inProcess.get(job)?.(ms)) throw new InProcessSleep(ms);
  return sleepAsDelayed(job, token, ms);
}

/**
 * Moves the job to delayed for `ms`, first dropping its priority, once: a job woken from a wait it began goes
 * before the new jobs queued meanwhile (NEW_WORK_PRIORITY, create-queues.ts), so it is back for its turn.
 */
async function sleepAsDelayed(job: Job, token: string | undefined, ms: number, asleep?: () => Promise<void>): Promise<never> {
  if ((job.priority ?? 0) !== 0) await job.changePriority({ priority: 0 });
  await job.moveToDelayed(Date.now() + ms, token);
  await asleep?.();
  throw new DelayedError();
}

/**
 * Puts the job to sleep for at most `ms` as a delayed job, never in the worker, so that whoever ends its wait
 * may wake it early (`Job.promote`, see wake-jobs.ts); never returns. `ms` bounds how late it goes should that
 * wake be lost. `asleep` runs once the job is delayed: a job that joins the waiters of what it waits for only
 * then cannot be woken while still active, which would lose the wake. It must not throw: the job is no longer this
 * worker's, and BullMQ could not fail it.
 */
export async function sleepUntilWoken(job: Job, token: string | undefined, ms: number, asleep?: () => Promise<void>): Promise<never> {
  return sleepAsDelayed(job, token, ms, asleep);
}

/** At most `size` holders at once; the others wait in arrival order. */
function permits(size: number): { take(): Promise<void>; give(): void } {
  let held = 0;
  const waiting: (() => void)[] = [];
  return {
    async take() {
      if (held < size) {
        held++;
        return;
      }
      // A permit given back passes straight to the next in line, so `held` stays counted.
      await new Promise<void>((resolve) => waiting.push(resolve));
    },
    give() {
      const next = waiting.shift();
      if (next) next();
      else held--;
    },
  };
}

/**
 * Runs the notify queue's handler so that its short sleeps stay in the worker: the job stays active, its lock
 * renewed as for any running job, so a worker that dies meanwhile leaves it to the stalled-job check as it
 * would mid-write, and the job runs again from the start as after a delayed wake. At most `working` jobs run
 * the handler at once, as many as the worker had slots before sleeps were kept in it; the worker's other
 * slots (`sleepers` of them) are for jobs asleep, so sleepers never hold up the jobs that would end their
 * waits (the reply before them). When `sleepers` jobs already sleep,
 * and once `stopping` is aborted (the worker is shutting down; it must not wait for sleepers, nor for a job
 * it took after it cancelled the running ones), a job sleeps as a delayed job.
 */
export function sleepingInProcess(
  handler: JobHandler,
  limits: { working: number; sleepers: number; stopping: AbortSignal },
): JobHandler {
  const work = permits(limits.working);
  let sleepers = 0;
  return async (job, token, signal) => {
    for (;;) {
      // The place among the sleepers is taken when the sleep is granted, not once the handler has unwound.
      let granted = false;
      inProcess.set(job, (ms) => {
        granted =
          !granted && ms <= IN_PROCESS_SLEEP_MAX_MS && sleepers < limits.sleepers && !limits.stopping.aborted && signal?.aborted !== true;
        if (granted) sleepers++;
        return granted;
      });
      let wait: number;
      await work.take();
      try {
        return await handler(job, token, signal);
      } catch (err) {
        if (!(err instanceof InProcessSleep)) throw err;
        wait = err.ms;
        granted = false;
      } finally {
        work.give();
        inProcess.delete(job);
        if (granted) sleepers--;
      }
      const until = Date.now() + wait;
      try {
        await sleep(wait, undefined, { signal: signal ? AbortSignal.any([signal, limits.stopping]) : limits.stopping });
      } catch {
        // Shutting down: the rest of the wait is slept as a delayed job, for any worker to pick up.
        await sleepAsDelayed(job, token, Math.max(0, until - Date.now()));
      } finally {
        sleepers--;
      }
    }
  };
}
