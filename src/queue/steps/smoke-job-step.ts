import { fenceLog } from '../../format/escape-mrkdwn.js';
import { FlightdeckError } from '../../errors/flightdeck-error.js';
import { runStepJob } from './run-step-job.js';
import { done, type StepExecutor } from './step-context.js';

/**
 * A `job` step with a preset (literal env, no volumes, always `onFailure: fail`), kept for the checklists and
 * run documents that name it. A failed Job fails the step as a bad release (`rollout-failed`), with the last 20
 * lines of its pod's log in the reason, so they show in the run's thread.
 */
export const smokeJobStep: StepExecutor<'smoke-job'> = async (run, item, context) => {
  const { serviceAccount, ...pod } = item.job;
  const result = await runStepJob(run, item, context, { pod, serviceAccount });
  const { name } = result;
  if (result.succeeded) return done(`job ${name} succeeded${result.reused ? ' (reused)' : ''}: ${result.message}`);
  const log =
    result.logTail.length > 0
      ? `\nLast ${result.logTail.length} log lines of pod ${result.podName}:\n${fenceLog(result.logTail)}`
      : `\n(no log: ${result.logError ?? 'the pod wrote nothing'})`;
  throw new FlightdeckError('rollout-failed', `Smoke job ${run.target.namespace}/${name} failed: ${result.message}${log}`, {
    remedy: `Inspect it with kubectl logs job/${name} -n ${run.target.namespace}.`,
  });
};
