import type { Job } from 'bullmq';
import type { WorkerDeps } from '../engine/worker-deps.js';
import { postReply, type ReplyDeps } from './notify-once.js';

/** Audit entries a log reads: as many as its timeline shows. */
export const LOG_AUDIT_ENTRIES = 500;

export type DeployLogDeps = Pick<WorkerDeps, 'store' | 'notifier' | 'logger' | 'now'>;

/**
 * Uploads the run's deployment log, written from the run and its audit at the upload, as a Markdown file in the
 * run's thread, in the channel's turn, at most once per `claim` (the id of the log: `deploy-log-<run>`, or one
 * per follow-up that posts it again). Undefined when the run is gone.
 */
export async function uploadDeployLog(deps: DeployLogDeps, replies: ReplyDeps, job: Job, token: string | undefined, runId: string, options: { followUp: boolean; claim?: string }) {
  const result = await postReply(
    replies,
    job,
    token,
    runId,
    undefined,
    async (run) => {
      deps.logger.debug({ run: runId }, 'uploading the deployment log');
      await deps.notifier.postLog(run, await deps.store.audit(run.id, LOG_AUDIT_ENTRIES), deps.now(), options.followUp);
    },
    options.claim,
  );
  if (result) deps.logger.info({ run: runId, posted: result.posted }, 'deployment log uploaded');
  return result;
}
