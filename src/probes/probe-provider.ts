import type { RolloutStatus } from '../k8s/rollout-status.js';
import type { ProbeSpec, ProbeType } from './probe-types.js';

/**
 * How a measurement came out (argo-rollouts' four phases):
 * - `successful`: measured and good;
 * - `failed`: measured and bad;
 * - `error`: could not measure (connection refused, timeout, bad or unparseable response, cancelled);
 * - `inconclusive`: measured, but there was no data (empty Prometheus vector, NaN).
 */
export type MeasurementOutcome = 'successful' | 'failed' | 'error' | 'inconclusive';

/** One probe result. Plain data, so it can be stored with the run and crosses queues unchanged. */
export interface Measurement {
  outcome: MeasurementOutcome;
  /** The measured value (a Prometheus sample, an HTTP status, ready pods...), when there is one. */
  value?: number | string;
  /** What was measured against what, for people (never contains credentials). */
  message: string;
  /** When the measurement finished (ms since the epoch, from `ProbeContext.now`). */
  at: number;
}

/** One pod of the run's target Deployment, as the k8s probes need it. */
export interface PodSummary {
  name: string;
  ready: boolean;
  /** Sum of the restart counts of the pod's containers. */
  restarts: number;
}

/**
 * Read-only view of the run's target Deployment, supplied by the run engine (probes never call
 * Kubernetes themselves). Methods may reject; the probe then reports outcome `error`.
 */
export interface TargetStatusReader {
  /** The pods that belong to the Deployment's current ReplicaSets. */
  readPods(signal: AbortSignal): Promise<readonly PodSummary[]>;
  /** kubectl's verdict on the Deployment's rollout (see `rolloutStatus`). */
  readRollout(signal: AbortSignal): Promise<RolloutStatus>;
}

/** Everything a provider may use besides its spec; injected so probes stay testable. */
export interface ProbeContext {
  /** Cancels the measurement (run aborted, process shutting down); the outcome is then `error`. */
  signal: AbortSignal;
  /** Upper bound for one measurement, connection included; past it the outcome is `error`. */
  timeoutMs: number;
  /** Clock for `Measurement.at` and latencies (ms since the epoch). */
  now: () => number;
  /** The environment's Prometheus base URL, used when a prometheus probe names none. */
  prometheusUrl?: string;
  /** The run's target Deployment; k8s-pods and rollout-ready report `error` without it. */
  target?: TargetStatusReader;
}

/** One kind of probe. `measure` never rejects: every problem becomes a Measurement. */
export interface ProbeProvider<Spec extends ProbeSpec = ProbeSpec> {
  readonly type: Spec['type'];
  measure(spec: Spec, ctx: ProbeContext): Promise<Measurement>;
}

/** One provider per probe type, looked up by `runProbe`. */
export type ProbeProviders = { readonly [K in ProbeType]: ProbeProvider<Extract<ProbeSpec, { type: K }>> };
