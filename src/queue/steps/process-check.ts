import type { Job } from 'bullmq';
import { isFlightdeckError } from '../../errors/flightdeck-error.js';
import { createTargetStatusReader } from '../../k8s/read-target-status.js';
import type { ClusterAccess } from '../../k8s/create-cluster-access.js';
import type { Logger } from '../../observability/create-logger.js';
import type { ProbeContext, ProbeProviders, TargetStatusReader } from '../../probes/probe-provider.js';
import { probeProviders as builtInProviders } from '../../probes/probe-providers.js';
import { runProbe, type ProbeRetryPolicy } from '../../probes/run-probe.js';
import type { RunStore } from '../../run/store/run-store.js';
import { isTerminal, type Run } from '../../run/core/run-schema.js';
import { stepJobSchema } from '../engine/job-schemas.js';
import type { RunEngine } from '../engine/run-engine.js';

export interface ProcessCheckOptions {
  store: RunStore;
  engine: RunEngine;
  clusters: ClusterAccess;
  logger: Logger;
  now: () => number;
  /** Default: the built-in provider of every probe type. */
  probeProviders?: ProbeProviders;
  /** Pause between attempts; default a real timer. Tests inject a fast one. */
  sleep?: ProbeRetryPolicy['sleep'];
}

/**
 * The run's target Deployment as the k8s probes read it. Resolving the cluster context is deferred to the
 * first read, so a bad context becomes the probe's `error` outcome rather than failing the job.
 */
export function targetReaderFor(run: Run, clusters: ClusterAccess): TargetStatusReader {
  const reader = () => createTargetStatusReader(clusters.forContext(run.target.cluster), { namespace: run.target.namespace, deployment: run.target.deployment });
  return {
    readPods: (signal) => reader().readPods(signal),
    readRollout: (signal) => reader().readRollout(signal),
  };
}

/** Everything a probe of this run needs besides its spec. */
export function probeContextFor(run: Run, options: { clusters: ClusterAccess; now: () => number }, timeoutMs: number, signal: AbortSignal): ProbeContext {
  return {
    signal,
    timeoutMs,
    now: options.now,
    target: targetReaderFor(run, options.clusters),
    ...(run.target.prometheusUrl === undefined ? {} : { prometheusUrl: run.target.prometheusUrl }),
  };
}

/**
 * BullMQ processor for `check` jobs: runs the item's probe with its retries, interval and per-attempt
 * timeout, then reports every attempt as `check-measured` (the last one `final`), so the message shows the
 * measured value and the number of tries. Probes never throw; a check that is no longer running, or a run
 * that ended meanwhile, is dropped. A worker shutting down rethrows so the job is retried elsewhere.
 */
export function createCheckProcessor(options: ProcessCheckOptions) {
  const providers = options.probeProviders ?? builtInProviders;
  return async (job: Job, _token?: string, signal?: AbortSignal): Promise<void> => {
    const { runId, itemId } = stepJobSchema.parse(job.data);
    const logger = options.logger.child({ run: runId, item: itemId, job: job.id });
    const run = await options.store.get(runId);
    const item = run?.phases.flatMap((phase) => phase.items).find((candidate) => candidate.id === itemId);
    if (!run || !item || item.kind !== 'check' || item.state !== 'running' || (isTerminal(run.state) && run.state !== 'succeeded')) {
      logger.debug('check no longer needed');
      return;
    }
    const cancel = signal ?? new AbortController().signal;
    const result = await runProbe(item.probe, probeContextFor(run, options, item.timeoutMs, cancel), providers, {
      retries: item.retries,
      intervalMs: item.intervalMs,
      ...(options.sleep ? { sleep: options.sleep } : {}),
    });
    if (cancel.aborted) throw new Error('worker shutting down before the check finished');
    try {
      for (const [index, measurement] of result.attempts.entries()) {
        const final = index === result.attempts.length - 1;
        await options.engine.apply(runId, { type: 'check-measured', itemId, measurement, final });
      }
      logger.info({ outcome: result.measurement.outcome, detail: result.measurement.message }, 'check measured');
    } catch (err) {
      if (isFlightdeckError(err) && err.code === 'run-finished') return;
      throw err;
    }
  };
}
