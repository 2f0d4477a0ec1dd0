import type { Job } from 'bullmq';
import { threadJobSchema } from './job-schemas.js';
import { postOnce, runWithMessage } from './notify-once.js';
import type { WorkerDeps } from './worker-deps.js';

/**
 * `thread` jobs on the notify queue: one reply in the run message's thread. Waits for the run message to
 * exist, and posts once per job even when the job is retried after Slack accepted it.
 */
export function createThreadProcessor(deps: Pick<WorkerDeps, 'store' | 'notifier' | 'logger'>) {
  return async (job: Job, token?: string): Promise<void> => {
    const { runId, text } = threadJobSchema.parse(job.data);
    const run = await runWithMessage(deps.store, runId, job, token);
    if (!run) return;
    const posted = await postOnce(deps.store, job, () => deps.notifier.postThread(run, text));
    deps.logger.debug({ run: runId, job: job.id, posted }, posted ? 'thread reply posted' : 'thread reply already posted');
  };
}
