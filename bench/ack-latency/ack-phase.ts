import { latencyStats, type LatencyStats } from '../latency-stats.js';
import type { LoadResult } from './load-plan.js';
import type { ActivityShare } from './profile-activity.js';
import type { AckLayout } from './start-ack-deployment.js';
import type { PhaseProcessFigures } from './watch-phase.js';

/** Slack gives up on an ack after 3 s. */
export const SLACK_DEADLINE_MS = 3000;

/** The opening of a phase whose requests are told apart from the rest's: when a burst of new work reaches the workers. */
export const PHASE_OPENING_MS = 5000;

/** One measured phase: one request path against one app (and for flightdeck, one layout). */
export interface AckPhase {
  app: 'flightdeck' | 'bare Bolt';
  /** flightdeck's layout; undefined for bare Bolt. */
  layout: AckLayout | undefined;
  path: string;
  /** What the requests were and what answered them. */
  detail: string;
  stats: LatencyStats;
  /** The p99 of the requests due in the phase's first PHASE_OPENING_MS, and of the ones due after. */
  p99Opening: number;
  p99After: number;
  sent: number;
  errors: number;
  errorKinds: Record<string, number>;
  unexpected: number;
  overSlackDeadline: number;
  maxSendLagMs: number;
  /** What the phase verified after the fact (e.g. refusals seen by Slack). */
  check: string;
  /** CPU, event-loop delay and GC of the measured processes, and how busy the whole machine was. */
  process: PhaseProcessFigures;
  /** With `--cpu-prof`: the answering flightdeck process's CPU profile of the phase and its wall time by activity. */
  profile?: { path: string; activity: ActivityShare[] } | undefined;
}

/** `flightdeck (all)`, `flightdeck (web + worker)` or `bare Bolt`: how tables name the app of a phase. */
export function appLabel(phase: Pick<AckPhase, 'app' | 'layout'>): string {
  return phase.layout === undefined ? phase.app : `${phase.app} (${phase.layout})`;
}

/** Summarises one load phase's raw result. */
export function toAckPhase(
  target: Pick<AckPhase, 'app' | 'layout' | 'path' | 'detail'>,
  result: LoadResult,
  check: string,
  process: PhaseProcessFigures,
): AckPhase {
  const errors = Object.values(result.errors).reduce((total, count) => total + count, 0);
  return {
    ...target,
    stats: latencyStats(result.latenciesMs),
    p99Opening: latencyStats(result.latenciesMs.filter((_, i) => (result.dueAtMs[i] ?? 0) < PHASE_OPENING_MS)).p99,
    p99After: latencyStats(result.latenciesMs.filter((_, i) => (result.dueAtMs[i] ?? 0) >= PHASE_OPENING_MS)).p99,
    sent: result.sent,
    errors,
    errorKinds: result.errors,
    unexpected: result.unexpected,
    overSlackDeadline: result.latenciesMs.filter((ms) => ms > SLACK_DEADLINE_MS).length,
    maxSendLagMs: result.maxSendLagMs,
    check: result.unexpectedExamples.length > 0 ? `${check}; unexpected answers e.g. ${JSON.stringify(result.unexpectedExamples[0])}` : check,
    process,
  };
}
