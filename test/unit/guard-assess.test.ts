import { describe, expect, it } from 'vitest';
import {
  assessGuard,
  emptyGuardHistory,
  type GuardAssessmentSpec,
  type GuardHistory,
  type GuardStatus,
  recordGuardMeasurement,
} from '../../src/probes/assess-guard.js';
import type { Measurement, MeasurementOutcome } from '../../src/probes/probe-provider.js';

const S = 1000;
const codes: Record<string, MeasurementOutcome> = { '+': 'successful', x: 'failed', '?': 'inconclusive', '!': 'error' };

/** `'+ x x'` = one evaluation every 10 s from t=0: successful, failed, failed ('?' no data, '!' error, '.' skipped). */
function evaluations(pattern: string, everyS = 10): Measurement[] {
  return pattern
    .split(' ')
    .map((c, i) => ({ c, at: i * everyS * S }))
    .filter(({ c }) => c !== '.')
    .map(({ c, at }) => {
      const outcome = codes[c];
      if (!outcome) throw new Error(`bad pattern character ${c}`);
      return { outcome, value: outcome === 'failed' ? 0.09 : 0.01, message: `${outcome} at ${at}`, at };
    });
}

function replay(spec: GuardAssessmentSpec, measurements: readonly Measurement[]): GuardHistory {
  return measurements.reduce((history, m) => recordGuardMeasurement(spec, history, m), emptyGuardHistory);
}

const base: GuardAssessmentSpec = { id: 'error-rate', forMs: 30 * S };

interface Row {
  name: string;
  spec?: Partial<GuardAssessmentSpec>;
  pattern: string;
  /** Seconds; default: the last evaluation's time. */
  now?: number;
  status: GuardStatus;
  /** Seconds. */
  since?: number;
}

const rows: Row[] = [
  { name: 'healthy throughout', pattern: '+ + + +', status: 'healthy' },
  { name: 'first failing evaluation starts the window', pattern: '+ + x', status: 'pending', since: 20 },
  { name: 'one evaluation short of the window', pattern: '+ x x x', status: 'pending', since: 10 },
  { name: 'exactly at the window (t0 + for) breaches', pattern: '+ x x x x', status: 'breached', since: 10 },
  { name: 'past the window stays breached since t0', pattern: '+ x x x x x x', status: 'breached', since: 10 },
  { name: 'a single healthy blip resets the window', pattern: 'x x x + x x x', status: 'pending', since: 40 },
  { name: 'after a blip the window restarts and completes', pattern: 'x x x + x x x x', status: 'breached', since: 40 },
  { name: 'recovery after a breach is healthy', pattern: 'x x x x x +', status: 'healthy' },
  { name: 'for: 0 breaches on the first failing evaluation', spec: { forMs: 0 }, pattern: '+ + x', status: 'breached', since: 20 },
  { name: 'for: 0 healthy', spec: { forMs: 0 }, pattern: 'x +', status: 'healthy' },
  { name: 'gaps do not reset by default (Prometheus keeps pending alerts)', pattern: 'x . . x', status: 'breached', since: 0 },
  { name: 'a gap longer than maxGapMs restarts the window', spec: { maxGapMs: 15 * S }, pattern: 'x x . x x', status: 'pending', since: 30 },
  { name: 'a gap within maxGapMs keeps the window', spec: { maxGapMs: 25 * S }, pattern: 'x x . x', status: 'breached', since: 0 },
  { name: 'no recent evaluation is inconclusive with maxGapMs', spec: { maxGapMs: 15 * S }, pattern: '+ +', now: 40, status: 'inconclusive' },
  { name: 'nothing evaluated yet', pattern: '', status: 'healthy' },

  { name: 'no data, default policy: pending inside the window', pattern: '+ ? ?', status: 'pending', since: 10 },
  { name: 'no data, default policy: inconclusive across the window', pattern: '+ ? ? ? ?', status: 'inconclusive', since: 10 },
  { name: 'no data inside a failing run blocks the breach', pattern: 'x x ? x x', status: 'inconclusive', since: 0 },
  { name: 'failing evaluations after no data breach once they fill the window', pattern: '? x x x x', status: 'breached', since: 10 },
  { name: 'no data, policy breach: counts as failing', spec: { noData: 'breach' }, pattern: '+ ? ? x ?', status: 'breached', since: 10 },
  { name: 'no data, policy ok: counts as healthy and resets', spec: { noData: 'ok' }, pattern: 'x x ? x x', status: 'pending', since: 30 },
  { name: 'no data, policy ok: only no data is healthy', spec: { noData: 'ok' }, pattern: '? ? ? ? ?', status: 'healthy' },
  { name: 'NaN or empty with for: 0 is inconclusive at once', spec: { forMs: 0 }, pattern: '+ ?', status: 'inconclusive', since: 10 },

  { name: 'errors, default policy: inconclusive across the window', pattern: '! ! ! !', status: 'inconclusive', since: 0 },
  { name: 'errors, default policy: pending inside the window', pattern: '+ ! !', status: 'pending', since: 10 },
  { name: 'errors, policy breach: a dead health endpoint breaches', spec: { onError: 'breach' }, pattern: '+ ! ! x !', status: 'breached', since: 10 },
  { name: 'errors, policy ok: ignored as healthy', spec: { onError: 'ok' }, pattern: 'x x ! x', status: 'pending', since: 30 },
  { name: 'errors and no data follow their own policies', spec: { onError: 'breach', noData: 'ok' }, pattern: '! ! ? ! !', status: 'pending', since: 30 },
];

describe('assessGuard', () => {
  it.each(rows)('$name', (row) => {
    const spec = { ...base, ...row.spec };
    const measurements = row.pattern === '' ? [] : evaluations(row.pattern);
    const history = replay(spec, measurements);
    const now = row.now !== undefined ? row.now * S : (measurements.at(-1)?.at ?? 0);
    const result = assessGuard(spec, history, now);
    expect({ status: result.status, since: result.since }).toEqual({ status: row.status, since: row.since === undefined ? undefined : row.since * S });
  });

  it('reports the measurements of the failing run as values', () => {
    const result = assessGuard(base, replay(base, evaluations('+ x x x x')), 40 * S);
    expect(result.values.map((m) => m.at)).toEqual([10 * S, 20 * S, 30 * S, 40 * S]);
    expect(result.values.every((m) => m.value === 0.09)).toBe(true);
    expect(result.reason).toContain('30 s');
  });

  it('keeps the history bounded to the window while remembering where a long breach began', () => {
    const spec = { ...base, forMs: 20 * S };
    const history = replay(spec, evaluations(Array.from({ length: 500 }, () => 'x').join(' ')));
    expect(history.recent.length).toBe(3);
    expect(history.breachingSince).toBe(0);
    expect(assessGuard(spec, history, 4990 * S)).toMatchObject({ status: 'breached', since: 0 });
  });

  it('ignores duplicate and out-of-order measurements', () => {
    const history = replay(base, evaluations('x x'));
    const replayed = recordGuardMeasurement(base, history, { outcome: 'successful', message: 'late', at: 5 * S });
    expect(replayed).toBe(history);
  });

  it('does not change the history it is given', () => {
    const history = replay(base, evaluations('x'));
    const copy = structuredClone(history);
    recordGuardMeasurement(base, history, { outcome: 'successful', message: 'ok', at: 99 * S });
    expect(history).toEqual(copy);
  });
});
