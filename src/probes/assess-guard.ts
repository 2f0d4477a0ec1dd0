import type { Measurement } from './probe-provider.js';

/** What a measurement without data (or an error) counts as: unknown (pages), a breach, or healthy. */
export type GuardPolicy = 'inconclusive' | 'breach' | 'ok';

/** The parts of a guard that assessment needs; the checklist's `Guard` plus its durations in ms. */
export interface GuardAssessmentSpec {
  id: string;
  /** How long the condition must hold at every evaluation before the guard is breached; 0 = at once. */
  forMs: number;
  /** Outcome `inconclusive` (empty vector, NaN) counts as this; default 'inconclusive'. */
  noData?: GuardPolicy;
  /** Outcome `error` (could not measure) counts as this; default 'inconclusive'. */
  onError?: GuardPolicy;
  /**
   * A silence between evaluations longer than this restarts the window, and a silence this long before
   * `now` makes the guard inconclusive. Default: none, as in Prometheus, whose pending alerts survive
   * missed evaluations. The engine should pass a few evaluation intervals.
   */
  maxGapMs?: number;
}

/**
 * Everything assessment needs, kept bounded: where the current runs of bad evaluations began, and the
 * measurements within `forMs` of the latest one (for the alert's values). Build it only with
 * `recordGuardMeasurement`, starting from `emptyGuardHistory`; it is plain data and can be stored.
 */
export interface GuardHistory {
  /** When the trailing run of not-healthy evaluations (breach or unknown) began; null after a healthy one. */
  readonly unhealthySince: number | null;
  /** When the trailing run of evaluations where the condition held began; null unless the latest held. */
  readonly breachingSince: number | null;
  /** Measurements within `forMs` of the latest, oldest first (never empty once something was recorded). */
  readonly recent: readonly Measurement[];
}

export type GuardStatus = 'healthy' | 'pending' | 'breached' | 'inconclusive';

export interface GuardAssessment {
  status: GuardStatus;
  /** When the condition (or, for inconclusive, the unknown state) started holding without interruption. */
  since?: number;
  /** The measurements that back the status, oldest first: the current run within the window, else the latest. */
  values: readonly Measurement[];
  /** One line for people: why this status. */
  reason: string;
}

export const emptyGuardHistory: GuardHistory = { unhealthySince: null, breachingSince: null, recent: [] };

/** Caps `recent` when evaluations are far more frequent than the window needs. */
const MAX_RECENT = 500;

type Verdict = 'ok' | 'breach' | 'unknown';

function classify(spec: GuardAssessmentSpec, m: Measurement): Verdict {
  const policy = m.outcome === 'inconclusive' ? (spec.noData ?? 'inconclusive') : m.outcome === 'error' ? (spec.onError ?? 'inconclusive') : null;
  if (policy === null) return m.outcome === 'failed' ? 'breach' : 'ok';
  return policy === 'inconclusive' ? 'unknown' : policy;
}

/**
 * Adds one evaluation to the history. Pure. A measurement not newer than the latest one is ignored
 * (duplicate or out of order), so recording is safe to repeat. A healthy evaluation ends both runs; an
 * unknown one ends the breaching run but continues the not-healthy run.
 */
export function recordGuardMeasurement(spec: GuardAssessmentSpec, history: GuardHistory, measurement: Measurement): GuardHistory {
  const latest = history.recent.at(-1);
  if (latest !== undefined && measurement.at <= latest.at) return history;
  const gap = latest !== undefined && spec.maxGapMs !== undefined && measurement.at - latest.at > spec.maxGapMs;
  const unhealthySince = gap ? null : history.unhealthySince;
  const breachingSince = gap ? null : history.breachingSince;
  const verdict = classify(spec, measurement);
  const recent = [...history.recent, measurement].filter((m) => m.at >= measurement.at - spec.forMs).slice(-MAX_RECENT);
  switch (verdict) {
    case 'ok':
      return { unhealthySince: null, breachingSince: null, recent };
    case 'breach':
      return { unhealthySince: unhealthySince ?? measurement.at, breachingSince: breachingSince ?? measurement.at, recent };
    case 'unknown':
      return { unhealthySince: unhealthySince ?? measurement.at, breachingSince: null, recent };
  }
}

/**
 * Decides a guard's status at `now`, with `for` meaning what it means in Prometheus alerting rules:
 * - `breached` when the condition held at every evaluation from the first failing one (t0) through one
 *   at or after t0 + forMs (so with forMs 0, the first failing evaluation breaches);
 * - `inconclusive` when evaluations were not healthy for the window but some had no data or errors
 *   counted as unknown by the policies, or (with `maxGapMs`) when no evaluation is recent enough;
 * - `pending` while a not-healthy run is shorter than the window;
 * - `healthy` when the latest evaluation was healthy, or nothing was evaluated yet.
 * Pure: the clock is `now`, the past is `history`.
 */
export function assessGuard(spec: GuardAssessmentSpec, history: GuardHistory, now: number): GuardAssessment {
  const latest = history.recent.at(-1);
  if (latest === undefined) return { status: 'healthy', values: [], reason: `guard ${spec.id} has not been evaluated yet` };
  if (spec.maxGapMs !== undefined && now - latest.at > spec.maxGapMs) {
    return { status: 'inconclusive', values: [latest], reason: `guard ${spec.id} has not been evaluated for ${seconds(now - latest.at)}` };
  }
  const { breachingSince, unhealthySince } = history;
  if (unhealthySince === null) return { status: 'healthy', values: [latest], reason: latest.message };
  const valuesSince = (since: number): readonly Measurement[] => history.recent.filter((m) => m.at >= since);
  if (breachingSince !== null && latest.at - breachingSince >= spec.forMs) {
    return {
      status: 'breached',
      since: breachingSince,
      values: valuesSince(breachingSince),
      reason: `the condition held at every evaluation for ${seconds(latest.at - breachingSince)} (window ${seconds(spec.forMs)}); latest: ${latest.message}`,
    };
  }
  if (latest.at - unhealthySince >= spec.forMs) {
    return {
      status: 'inconclusive',
      since: unhealthySince,
      values: valuesSince(unhealthySince),
      reason: `no healthy evaluation for ${seconds(latest.at - unhealthySince)}, but not every one could confirm the condition; latest: ${latest.message}`,
    };
  }
  return {
    status: 'pending',
    since: unhealthySince,
    values: valuesSince(unhealthySince),
    reason: `not healthy for ${seconds(latest.at - unhealthySince)} of the ${seconds(spec.forMs)} window; latest: ${latest.message}`,
  };
}

function seconds(ms: number): string {
  return `${Math.round(ms / 100) / 10} s`;
}
