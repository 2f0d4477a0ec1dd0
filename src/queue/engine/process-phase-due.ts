import type { Job } from 'bullmq';
import { createChannelPacer } from '../notify/channel-pacer.js';
import { phaseDueJobSchema } from './job-schemas.js';
import { postPaced, runWithMessage } from '../notify/notify-once.js';
import type { WorkerDeps } from './worker-deps.js';

/**
 * `phase-due` jobs on the followups queue: a follow-up phase's time has come. Applies `phase-due` (it
 * opens the phase on a succeeded run, or lapses when the run was rolled back since), then posts the
 * phase's reminder with its tick buttons in the run's thread, once, in its turn in the channel.
 */
export function createPhaseDueProcessor(deps: Pick<WorkerDeps, 'redis' | 'keyPrefix' | 'store' | 'engine' | 'notifier' | 'logger'>) {
  const pacer = createChannelPacer(deps.redis, deps.keyPrefix);
  return async (job: Job, token?: string): Promise<void> => {
    const { runId, phaseId } = phaseDueJobSchema.parse(job.data);
    const current = await runWithMessage(deps.store, runId, job, token);
    if (!current) return;
    // Applying again after the job slept for its turn changes nothing: the phase is open already.
    const run = await deps.engine.apply(runId, { type: 'phase-due', phaseId });
    const phase = run.phases.find((candidate) => candidate.id === phaseId);
    if (phase?.state !== 'active') {
      deps.logger.info({ run: runId, phase: phaseId, state: phase?.state, runState: run.state }, 'follow-up lapsed');
      return;
    }
    const posted = await postPaced({ store: deps.store, pacer }, job, token, run.channel, () => deps.notifier.postPhaseReminder(run, phaseId));
    deps.logger.info({ run: runId, phase: phaseId, posted }, 'follow-up reminder posted');
  };
}
