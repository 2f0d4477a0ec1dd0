import type { Job } from 'bullmq';
import { isFlightdeckError } from '../../errors/flightdeck-error.js';
import { newestJobPod, readJobPodLog } from '../../k8s/read-job-log.js';
import type { Run } from '../../run/core/run-schema.js';
import { jobLogFileJobSchema } from '../engine/job-schemas.js';
import type { WorkerDeps } from '../engine/worker-deps.js';
import { stepJobName } from '../steps/step-job-name.js';
import { createChannelPacer } from './channel-pacer.js';
import { postReply } from './notify-once.js';
import { createReplyOrder, threadPlace } from './reply-order.js';

/** The most of a log one file carries: Slack takes far more, but a log this long is read with kubectl. */
const FILE_LIMIT_BYTES = 8 * 1024 * 1024;

type LogRead = { ok: true; podName: string; content: string } | { ok: false; why: string };

/** The step's Job's newest pod and its whole log (up to FILE_LIMIT_BYTES), or why it cannot be read. */
async function readWholeLog(deps: Pick<WorkerDeps, 'clusters'>, run: Run, itemId: string): Promise<LogRead & { jobName: string; itemTitle: string }> {
  const item = run.phases.flatMap((phase) => phase.items).find((candidate) => candidate.id === itemId);
  if (item?.kind !== 'step' || item.action !== 'job') return { ok: false, why: `run #${run.id} has no job step \`${itemId}\``, jobName: itemId, itemTitle: itemId };
  const jobName = item.outcome?.jobName ?? stepJobName(run, item);
  const named = { jobName, itemTitle: item.title };
  const client = deps.clusters.forContext(run.target.cluster);
  const namespace = run.target.namespace;
  try {
    const podName = item.outcome?.podName ?? (await newestJobPod(client, namespace, jobName))?.metadata?.name;
    if (!podName) return { ok: false, why: `job ${namespace}/${jobName} has no pod (not started yet, or removed with the Job after its TTL)`, ...named };
    const lines = await readJobPodLog(client, { namespace, podName, limitBytes: FILE_LIMIT_BYTES });
    return { ok: true, podName, content: lines.map((line) => `${line}\n`).join(''), ...named };
  } catch (err) {
    if (!isFlightdeckError(err) || err.retryable) throw err;
    return { ok: false, why: err.remedy ? `${err.message}. ${err.remedy}` : err.message, ...named };
  }
}

/**
 * `job-log-file` jobs on the notify queue: a `job` step's whole pod log uploaded as a file in the run's
 * thread, read from the cluster when the job runs — after the failure it belongs to (its id places it among
 * the run's replies), or when someone asked (`requestedBy`). A log that cannot be read (the pod gone with
 * its Job's TTL, no `get` on `pods/log`) is said in the thread instead, with what to do; a cluster that does
 * not answer is retried like any job.
 */
export function createJobLogFileProcessor(deps: Pick<WorkerDeps, 'redis' | 'keyPrefix' | 'store' | 'notifier' | 'clusters' | 'logger'>) {
  const replies = { store: deps.store, pacer: createChannelPacer(deps.redis, deps.keyPrefix), order: createReplyOrder(deps.redis, deps.keyPrefix) };
  return async (job: Job, token?: string): Promise<void> => {
    const { runId, itemId, requestedBy } = jobLogFileJobSchema.parse(job.data);
    const stored = await deps.store.get(runId);
    if (!stored) return;
    const read = await readWholeLog(deps, stored, itemId);
    const result = await postReply(replies, job, token, runId, threadPlace(runId, job)?.place, (run) =>
      read.ok
        ? deps.notifier.postJobLog(run, { itemTitle: read.itemTitle, jobName: read.jobName, podName: read.podName, content: read.content, ...(requestedBy ? { requestedBy } : {}) })
        : deps.notifier.postThread(run, { kind: 'job-log-unavailable', itemTitle: read.itemTitle, jobName: read.jobName, why: read.why }),
    );
    if (result) deps.logger.info({ run: runId, item: itemId, posted: result.posted, read: read.ok }, read.ok ? 'job log uploaded' : 'job log unreadable');
  };
}
