import { fenceLog } from '../../format/escape-mrkdwn.js';
import type { JobReport } from '../../run/core/run-event.js';
import { runStepJob } from './run-step-job.js';
import type { StepExecutor } from './step-context.js';
import { stepJobName } from './step-job-name.js';
import { streamJobLog } from './stream-job-log.js';

/** Lines of the log kept on the run and shown in the message. */
const TAIL_LINES = 10;
/**
 * How long past its deadline the step waits for the Job: the API server fails a Job that outlives its
 * activeDeadlineSeconds, and that verdict (an ordinary failed Job, with `onFailure` applying) beats a timeout.
 */
const DEADLINE_GRACE_MS = 15_000;

/**
 * Runs the checklist's Job (a backup, a migration), streaming its log into the thread while it runs, and
 * reports how it ended, with the last lines of its log, so the run keeps them and the thread gets the whole
 * log of a failed Job as a file. A failed Job fails the step as a bad release, unless the step says
 * `onFailure: continue`: then the step is done and says the Job failed.
 */
export const jobStep: StepExecutor<'job'> = async (run, item, context) => {
  const { backoffLimit, serviceAccountName, ...pod } = item.job;
  const stream = streamJobLog(run, item, context, stepJobName(run, item));
  let result: Awaited<ReturnType<typeof runStepJob>>;
  try {
    result = await runStepJob(run, item, context, { pod, serviceAccount: serviceAccountName, backoffLimit, logOnSuccess: true, logLines: TAIL_LINES, graceMs: DEADLINE_GRACE_MS });
  } finally {
    // The rest of the log reaches the thread before the step's end does (and after a timeout, what there was).
    await stream.stop();
  }
  const { name } = result;
  const exit = result.exitCode === undefined ? '' : ` (exit ${result.exitCode})`;
  const job: JobReport = {
    outcome: {
      status: result.succeeded ? 'succeeded' : 'failed',
      jobName: name,
      ...(result.podName ? { podName: result.podName } : {}),
      ...(result.exitCode === undefined ? {} : { exitCode: result.exitCode }),
      message: result.message,
      logTail: result.logTail,
    },
  };
  if (result.succeeded) return { done: true, detail: `job ${name} succeeded${exit}${result.reused ? ' (reused)' : ''}`, job };
  const noLog = result.logTail.length === 0 ? ` (no log: ${result.logError ?? 'the pod wrote nothing'})` : '';
  if (item.onFailure === 'continue') return { done: true, detail: `job ${name} failed${exit}: ${result.message}${noLog} — carrying on (onFailure: continue)`, job };
  const tail = result.logTail.length > 0 ? `\nLast ${result.logTail.length} log lines of pod ${result.podName}:\n${fenceLog(result.logTail)}` : noLog;
  return { done: 'failed', reason: `Job ${run.target.namespace}/${name} failed${exit}: ${result.message}${tail}\nInspect it with kubectl logs job/${name} -n ${run.target.namespace}.`, job };
};
