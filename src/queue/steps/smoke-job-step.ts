import { fenceLog } from '../../format/escape-mrkdwn.js';
import { createHash } from 'node:crypto';
import { FlightdeckError } from '../../errors/flightdeck-error.js';
import { runJob } from '../../k8s/run-job.js';
import type { RunStepOf } from '../../run/core/run-item-schema.js';
import { runRef } from '../../run/core/run-ref.js';
import type { Run } from '../../run/core/run-schema.js';
import { assertHoldsLock, deadlineOf, done, stableOf, type StepExecutor } from './step-context.js';

/** Lines of the failed pod's log shown in the thread. */
const LOG_LINES = 20;

/**
 * `api-smoke-12-3f9c2a1b0d-smoke`: one Job per run (by `runRef`, so a run #12 after a Redis restore never
 * adopts the first run #12's Job) and step, so a retried step finds and reuses its own Job.
 */
export function smokeJobName(run: Run, item: RunStepOf<'smoke-job'>): string {
  const raw = `${run.target.deployment}-smoke-${runRef(run)}-${item.id}`.toLowerCase().replace(/[^a-z0-9-]+/g, '-');
  if (raw.length <= 63) return raw.replace(/-+$/, '');
  const hash = createHash('sha256').update(raw).digest('hex').slice(0, 10);
  return `${raw.slice(0, 52).replace(/-+$/, '')}-${hash}`;
}

/** The run's variables, given to every smoke Job next to the template's own env. */
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

/**
 * Runs the step's Job template in the service's namespace and waits for it (the timeout counts from the
 * step's start). A failed Job fails the step as a bad release (`rollout-failed`), with the last lines of
 * its pod's log in the reason, so they show in the run's thread.
 */
export const smokeJobStep: StepExecutor<'smoke-job'> = async (run, item, context) => {
  const { client } = stableOf(run, context);
  const name = smokeJobName(run, item);
  const deadline = deadlineOf(item, context);
  await assertHoldsLock(run, context);
  const result = await runJob(client, {
    namespace: run.target.namespace,
    name,
    runId: run.id,
    image: item.job.image,
    ...(item.job.serviceAccount ? { serviceAccount: item.job.serviceAccount } : {}),
    ...(item.job.command ? { command: item.job.command } : {}),
    ...(item.job.args ? { args: item.job.args } : {}),
    env: { ...runVariables(run), ...item.job.env },
    logLines: LOG_LINES,
    timeoutMs: Math.max(1, deadline - context.now()),
    now: context.now,
    ...(context.signal ? { signal: context.signal } : {}),
  });
  if (result.succeeded) return done(`job ${name} succeeded${result.reused ? ' (reused)' : ''}: ${result.message}`);
  const log =
    result.logTail.length > 0
      ? `\nLast ${result.logTail.length} log lines of pod ${result.podName}:\n${fenceLog(result.logTail)}`
      : `\n(no log: ${result.logError ?? 'the pod wrote nothing'})`;
  throw new FlightdeckError('rollout-failed', `Smoke job ${run.target.namespace}/${name} failed: ${result.message}${log}`, {
    remedy: `Inspect it with kubectl logs job/${name} -n ${run.target.namespace}.`,
  });
};
