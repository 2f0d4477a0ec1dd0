import { describe, expect, it } from 'vitest';
import { assessGuard, emptyGuardHistory, type GuardAssessmentSpec, type GuardHistory, recordGuardMeasurement } from '../../src/probes/assess-guard.js';
import type { Measurement } from '../../src/probes/probe-provider.js';

// The edges of guard assessment that guard-assess.test.ts's pattern table passes over: a second report at
// the same instant, gaps of exactly maxGapMs, and the values and words each status carries.

const S = 1000;
const spec: GuardAssessmentSpec = { id: 'errors', forMs: 30 * S, maxGapMs: 20 * S };

const failed = (at: number): Measurement => ({ outcome: 'failed', value: 0.09, message: `failed at ${at}`, at: at * S });
const ok = (at: number): Measurement => ({ outcome: 'successful', value: 0.01, message: `ok at ${at}`, at: at * S });

function replay(measurements: Measurement[], with_ = spec): GuardHistory {
  return measurements.reduce((history, m) => recordGuardMeasurement(with_, history, m), emptyGuardHistory);
}

describe('recordGuardMeasurement, at the edges', () => {
  it('ignores a second report at the same instant as the latest', () => {
    const history = replay([failed(0)]);
    expect(recordGuardMeasurement(spec, history, ok(0))).toBe(history);
  });

  it('keeps the window across a gap of exactly maxGapMs and restarts it after a longer one', () => {
    expect(replay([failed(0), failed(20)]).breachingSince).toBe(0);
    expect(replay([failed(0), failed(21)]).breachingSince).toBe(21 * S);
  });
});

describe('assessGuard, what each status carries', () => {
  it('has no values before the first evaluation, and names the guard', () => {
    expect(assessGuard(spec, emptyGuardHistory, 0)).toEqual({ status: 'healthy', values: [], reason: 'guard errors has not been evaluated yet' });
  });

  it('stays judged exactly maxGapMs after the latest evaluation and is inconclusive after, saying for how long', () => {
    const history = replay([ok(0)]);
    expect(assessGuard(spec, history, 20 * S).status).toBe('healthy');
    expect(assessGuard(spec, history, 25 * S)).toEqual({ status: 'inconclusive', values: [ok(0)], reason: 'guard errors has not been evaluated for 25 s' });
  });

  it('backs a healthy status with the latest measurement and its message', () => {
    expect(assessGuard(spec, replay([failed(0), ok(10)]), 10 * S)).toEqual({ status: 'healthy', values: [ok(10)], reason: 'ok at 10' });
  });

  it('backs a pending status with the run of bad evaluations only, and says how far into the window it is', () => {
    const result = assessGuard(spec, replay([ok(0), failed(10), failed(20)]), 20 * S);
    expect(result).toEqual({ status: 'pending', since: 10 * S, values: [failed(10), failed(20)], reason: 'not healthy for 10 s of the 30 s window; latest: failed at 20' });
  });

  it('says how long the condition held when breached', () => {
    const result = assessGuard(spec, replay([ok(0), failed(10), failed(20), failed(30), failed(40)]), 40 * S);
    expect(result.reason).toBe('the condition held at every evaluation for 30 s (window 30 s); latest: failed at 40');
  });

  it('says how long no evaluation was healthy when the window passed without confirming the condition', () => {
    const unknown = (at: number): Measurement => ({ outcome: 'inconclusive', message: `no data at ${at}`, at: at * S });
    const result = assessGuard(spec, replay([ok(0), unknown(10), unknown(20), unknown(30), unknown(40)]), 40 * S);
    expect(result.status).toBe('inconclusive');
    expect(result.reason).toBe('no healthy evaluation for 30 s, but not every one could confirm the condition; latest: no data at 40');
  });
});
