import type { Job } from 'bullmq';
import { announceJobId, announceJobSchema } from '../engine/job-schemas.js';
import type { WorkerDeps } from '../engine/worker-deps.js';
import { createChannelPacer } from './channel-pacer.js';
import { postPaced } from './notify-once.js';

/**
 * `announce` jobs on the notify queue: posts an emergency deploy's announcement in the environment's audit
 * channel, once per run (the claim of `postPaced`, keyed by the job id, which names the run), in that
 * channel's turn shared with the other writes. It needs no run message: the audit channel is not the run's.
 */
export function createAnnounceProcessor(deps: Pick<WorkerDeps, 'redis' | 'keyPrefix' | 'store' | 'notifier' | 'logger'>) {
  const pacer = createChannelPacer(deps.redis, deps.keyPrefix);
  return async (job: Job, token?: string): Promise<void> => {
    const { runId, channel } = announceJobSchema.parse(job.data);
    const run = await deps.store.get(runId);
    // A job id of another run (a reused id after Redis was restored) is not this run's announcement.
    if (!run || job.id !== announceJobId(run)) return;
    const posted = await postPaced({ store: deps.store, pacer }, job, token, channel, () => deps.notifier.postAnnouncement(run, channel));
    deps.logger.info({ run: runId, channel, posted }, 'emergency deploy announced in the audit channel');
  };
}
