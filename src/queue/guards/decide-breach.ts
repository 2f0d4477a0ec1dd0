import type { GuardAssessment, GuardAssessmentSpec } from '../../probes/assess-guard.js';
import type { RunGuard } from '../../run/core/run-schema.js';

/** A breach to report: what to do, and the text the alert and the audit carry. */
export interface BreachDecision {
  action: 'rollback' | 'page' | 'notify';
  /** The guard could not confirm its condition for the window (no data, errors): it pages instead of rolling back. */
  inconclusive: boolean;
  detail: string;
}

/** Evaluations missed for this long make a guard inconclusive: the engine is behind, not the release bad. */
const MIN_MAX_GAP_MS = 60_000;

/** The assessment spec of a run's guard. */
export function assessmentSpecOf(guard: RunGuard): GuardAssessmentSpec {
  return { id: guard.id, forMs: guard.forMs, noData: guard.noData, onError: guard.onError, maxGapMs: Math.max(10 * guard.intervalMs, MIN_MAX_GAP_MS) };
}

function valueText(value: number | string | undefined): string {
  if (value === undefined) return 'no value';
  return typeof value === 'number' ? String(Math.round(value * 10_000) / 10_000) : value;
}

/** `HH:MM:SS UTC`: guard windows are seconds long, so minutes are not enough. */
export function clockTime(epochMs: number): string {
  return `${new Date(epochMs).toISOString().slice(11, 19)} UTC`;
}

function seconds(ms: number): string {
  return `${Math.round(ms / 100) / 10} s`;
}

/**
 * Whether an assessment calls for an alert, and which. `breached` takes the guard's action. `inconclusive`
 * over the whole window (no data, errors counted as unknown) pages, or only notifies when that is the
 * guard's action: flightdeck never rolls back on a guess. An episode already alerted on (`alertedSince`
 * equals the assessment's `since`) raises nothing, and neither does staleness of flightdeck's own
 * evaluations (an inconclusive assessment without `since`). Pure.
 */
export function decideBreach(guard: RunGuard, assessment: GuardAssessment, alertedSince: number | undefined): BreachDecision | undefined {
  const { status, since } = assessment;
  if ((status !== 'breached' && status !== 'inconclusive') || since === undefined || since === alertedSince) return undefined;
  const latest = assessment.values.at(-1);
  const values = assessment.values.map((m) => valueText(m.value)).join(', ');
  const held = `${assessment.values.length} ${assessment.values.length === 1 ? 'evaluation' : 'evaluations'} since ${clockTime(since)}` +
    (latest ? ` (${seconds(latest.at - since)}, window ${seconds(guard.forMs)})` : '');
  if (status === 'breached') {
    return { action: guard.action, inconclusive: false, detail: `${latest?.message ?? assessment.reason} — held at every one of ${held}: ${values}` };
  }
  return {
    action: guard.action === 'notify' ? 'notify' : 'page',
    inconclusive: true,
    detail: `inconclusive, no healthy evaluation in ${held}: ${values}; latest: ${latest?.message ?? assessment.reason}`,
  };
}
