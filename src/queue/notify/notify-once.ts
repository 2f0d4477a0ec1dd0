import { UnrecoverableError, type Job } from 'bullmq';
import { isFlightdeckError } from '../../errors/flightdeck-error.js';
import type { RunStore } from '../../run/store/run-store.js';
import type { Run } from '../../run/core/run-schema.js';
import type { ChannelPacer } from './channel-pacer.js';
import { sleepJob, sleepUntilWoken } from './sleep-job.js';
import { waiterOf } from './wake-jobs.js';
import type { ReplyOrder } from './reply-order.js';
import { retryAfterOf } from './retry-after-of.js';

/** How long a posted reply's claim is kept: far longer than any job's retries last. */
const CLAIM_TTL_SECONDS = 7 * 24 * 3600;

/**
 * How long a reply sleeps for the run message it belongs under, at most: the render that posts the message
 * wakes it, so this only bounds how late it goes should that wake be lost.
 */
const WAIT_FOR_MESSAGE_MS = 15_000;

/**
 * The run a thread reply belongs to, once its message exists. Until the message is posted the job sleeps
 * as delayed (not failed: the render that posts it is already queued) among the run's message waiters, and
 * that render wakes it once the message is recorded (process-render.ts): one sleep, where looking every
 * second cost a run's replies a dozen (each about 25 Redis commands) behind a channel's line of first posts.
 * Undefined when the run is gone, so there is nothing to reply to. Given the run as its caller just read it rather
 * than its id, it reads it only should the message not be posted yet.
 */
export async function runWithMessage(store: RunStore, runOrId: Run | string, job: Job, token: string | undefined): Promise<Run | undefined> {
  const run = typeof runOrId === 'string' ? await store.get(runOrId) : runOrId;
  if (!run) return undefined;
  if (run.messageTs) return run;
  const runId = run.id;
  if (await store.renders.awaitMessage(runId, waiterOf(job.queueName, job.id ?? job.name))) {
    const posted = await store.get(runId);
    if (posted?.messageTs) return posted;
  }
  return sleepUntilWoken(job, token, WAIT_FOR_MESSAGE_MS);
}

/** The key of the claim named `claim` among `job`'s queue's posts. */
export const claimKeyOf = (job: Job, claim: string) => `notify:${job.queueName}:${claim}`;

/** Takes the claim named `claim` for a post another post's call makes too (see {@link postOnce}); false when it was taken already. */
export const claimPost = (store: RunStore, job: Job, claim: string) => store.claimOnce(claimKeyOf(job, claim), CLAIM_TTL_SECONDS);

/**
 * Posts at most once per job id: the claim is taken before Slack is called, so a job retried after Slack
 * accepted the post (the worker died before completing it) finds the claim and posts nothing; a failed
 * post releases it so the retry posts. Returns whether this call posted. Permanent Slack refusals are not
 * retried. `claim` names the post when a job makes more than one (default: the job's id).
 */
export async function postOnce(store: RunStore, job: Job, post: () => Promise<void>, claim = job.id ?? job.name): Promise<boolean> {
  const key = claimKeyOf(job, claim);
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

export interface ReplyDeps {
  store: RunStore;
  pacer: ChannelPacer;
  order: ReplyOrder;
}

/**
 * Posts once per job, in the channel's turn shared with the message edits. A 429 fails only this call: the
 * job books a turn after Slack's Retry-After and sleeps until it, spending no attempt, while other channels
 * go on. Returns whether this call posted; `claim` as for {@link postOnce}.
 */
export async function postPaced(
  deps: Pick<ReplyDeps, 'store' | 'pacer'>,
  job: Job,
  token: string | undefined,
  channel: string,
  post: () => Promise<void>,
  claim?: string,
): Promise<boolean> {
  try {
    // The turn first: a job that sleeps for it takes and gives back no claim each time it goes to sleep.
    await deps.pacer.turn(channel, job, token);
    return await postOnce(deps.store, job, post, claim);
  } catch (err) {
    const retryAfterMs = retryAfterOf(err);
    if (retryAfterMs === undefined) throw err;
    return deps.pacer.rateLimited(channel, job, token, retryAfterMs);
  }
}

/**
 * One reply in a run's thread: once the run message exists, after the run's earlier replies (see
 * ReplyOrder; `place` undefined posts unordered), paced and once per job (or per `claim`) as {@link postPaced}.
 * Undefined when the run is gone. The run as its caller just read it spares a read (see {@link runWithMessage}).
 */
export async function postReply(
  deps: ReplyDeps,
  job: Job,
  token: string | undefined,
  runOrId: Run | string,
  place: number | undefined,
  post: (run: Run) => Promise<void>,
  claim?: string,
): Promise<{ run: Run; posted: boolean } | undefined> {
  const runId = typeof runOrId === 'string' ? runOrId : runOrId.id;
  if (place !== undefined) await deps.order.join(runId, job, place);
  const run = await runWithMessage(deps.store, runOrId, job, token);
  // Behind an earlier reply, this one still books and keeps its place in the channel's line: it sleeps
  // until its turn, then waits there for the earlier reply rather than going to the back of the line.
  const before = run && place !== undefined ? await deps.order.behind(runId, job, place) : undefined;
  if (run && before !== undefined) await sleepJob(job, token, await deps.pacer.defer(run.channel, job, before));
  const posted = run ? await postPaced(deps, job, token, run.channel, () => post(run), claim) : false;
  if (place !== undefined) await deps.order.leave(runId, job);
  return run && { run, posted };
}
