import type { Job } from 'bullmq';
import { createChannelPacer } from './channel-pacer.js';
import { threadJobSchema } from '../engine/job-schemas.js';
import { postReply } from './notify-once.js';
import { createReplyOrder, threadPlace } from './reply-order.js';
import type { WorkerDeps } from '../engine/worker-deps.js';

/**
 * `thread` jobs on the notify queue: one reply in the run message's thread. Waits for the run message to
 * exist and for the run's earlier replies, takes its turn in the channel with the message edits, and posts
 * once per job even when the job is retried after Slack accepted it.
 */
export function createThreadProcessor(deps: Pick<WorkerDeps, 'redis' | 'keyPrefix' | 'store' | 'notifier' | 'logger'>) {
  const replies = { store: deps.store, pacer: createChannelPacer(deps.redis, deps.keyPrefix), order: createReplyOrder(deps.redis, deps.keyPrefix) };
  return async (job: Job, token?: string): Promise<void> => {
    const { runId, note } = threadJobSchema.parse(job.data);
    const result = await postReply(replies, job, token, runId, threadPlace(runId, job)?.place, (run) => deps.notifier.postThread(run, note));
    if (!result) return;
    deps.logger.debug({ run: runId, job: job.id, posted: result.posted }, result.posted ? 'thread reply posted' : 'thread reply already posted');
  };
}
