import { DelayedError, UnrecoverableError, type Job } from 'bullmq';
import { isFlightdeckError } from '../errors/flightdeck-error.js';
import type { RunStore } from '../run/run-store.js';
import type { Run } from '../run/run-schema.js';

/** How long a posted reply's claim is kept: far longer than any job's retries last. */
const CLAIM_TTL_SECONDS = 7 * 24 * 3600;

/** How long a reply waits for the run message it belongs under before looking again. */
const WAIT_FOR_MESSAGE_MS = 1000;

/**
 * The run a thread reply belongs to, once its message exists. Until the message is posted the job is
 * put back as delayed (not failed: the render that posts it is already queued); undefined when the run
 * is gone, so there is nothing to reply to.
 */
export async function runWithMessage(store: RunStore, runId: string, job: Job, token: string | undefined): Promise<Run | undefined> {
  const run = await store.get(runId);
  if (!run) return undefined;
  if (run.messageTs) return run;
  await job.moveToDelayed(Date.now() + WAIT_FOR_MESSAGE_MS, token);
  throw new DelayedError();
}

/**
 * Posts at most once per job id: the claim is taken before Slack is called, so a job retried after Slack
 * accepted the post (the worker died before completing it) finds the claim and posts nothing; a failed
 * post releases it so the retry posts. Returns whether this call posted. Permanent Slack refusals are not
 * retried. Thread replies are not paced with the message edits: sharing the channel slot let them starve
 * behind renders and arrive out of order; a 429 is waited out by the Slack client instead.
 */
export async function postOnce(store: RunStore, job: Job, post: () => Promise<void>): Promise<boolean> {
  const key = `notify:${job.queueName}:${job.id ?? job.name}`;
  if (!(await store.claimOnce(key, CLAIM_TTL_SECONDS))) return false;
  try {
    await post();
    return true;
  } catch (err) {
    await store.releaseOnce(key);
    if (isFlightdeckError(err) && !err.retryable) throw new UnrecoverableError(err.message);
    throw err;
  }
}
