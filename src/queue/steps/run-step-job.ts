import { runJob, type RunJobResult } from '../../k8s/run-job.js';
import type { JobPodSpec } from '../../k8s/job-manifest.js';
import type { RunStepOf } from '../../run/core/run-item-schema.js';
import type { Run } from '../../run/core/run-schema.js';
import { assertHoldsLock, deadlineOf, stableOf, type StepContext } from './step-context.js';
import { stepJobName } from './step-job-name.js';

/** The run's variables, given to every Job of a run next to the step's own env (which wins). */
function runVariables(run: Run): Record<string, string> {
  return {
    FLIGHTDECK_RUN: run.id,
    FLIGHTDECK_SERVICE: run.service,
    FLIGHTDECK_VERSION: run.version,
    FLIGHTDECK_ENV: run.environment,
    FLIGHTDECK_NAMESPACE: run.target.namespace,
    FLIGHTDECK_DEPLOYMENT: run.target.deployment,
    FLIGHTDECK_IMAGE: run.target.image,
  };
}

export interface StepJobOptions {
  pod: JobPodSpec;
  serviceAccount?: string | undefined;
  backoffLimit?: number;
  /** Lines of the log tail read; default 20. */
  logLines?: number;
  /** Read the log tail when the Job succeeds too. */
  logOnSuccess?: boolean;
  /** Wait this long past the deadline for the API server's DeadlineExceeded verdict; default 0. */
  graceMs?: number;
}

/**
 * Runs the step's Job in the service's namespace and waits for it to end, the deadline counted from the step's
 * start. The Job is named after the run and step (stepJobName), so a retried step, or one taken over from a
 * killed worker, reuses its Job; the target's lock is checked first, since creating it changes the cluster.
 */
export async function runStepJob(run: Run, item: RunStepOf<'smoke-job' | 'job'>, context: StepContext, o: StepJobOptions): Promise<RunJobResult & { name: string }> {
  const { client } = stableOf(run, context);
  const name = stepJobName(run, item);
  const deadline = deadlineOf(item, context);
  await assertHoldsLock(run, context);
  const result = await runJob(client, {
    namespace: run.target.namespace,
    name,
    runId: run.id,
    pod: { ...o.pod, env: { ...runVariables(run), ...o.pod.env } },
    ...(o.serviceAccount ? { serviceAccount: o.serviceAccount } : {}),
    ...(o.backoffLimit === undefined ? {} : { backoffLimit: o.backoffLimit }),
    ...(o.logOnSuccess ? { logOnSuccess: true } : {}),
    ...(o.logLines === undefined ? {} : { logLines: o.logLines }),
    timeoutMs: Math.max(1, deadline - context.now()),
    ...(o.graceMs === undefined ? {} : { graceMs: o.graceMs }),
    now: context.now,
    ...(context.signal ? { signal: context.signal } : {}),
  });
  return { ...result, name };
}
