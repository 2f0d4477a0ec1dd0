import { describe, expect, it } from 'vitest';
import { assessGuard, emptyGuardHistory, recordGuardMeasurement, type GuardHistory } from '../../src/probes/assess-guard.js';
import type { Measurement } from '../../src/probes/probe-provider.js';
import { assessmentSpecOf, decideBreach } from '../../src/queue/guards/decide-breach.js';
import type { RunGuard } from '../../src/run/core/run-schema.js';

const T0 = Date.UTC(2025, 0, 1, 10, 5, 0);

function guard(overrides: Partial<RunGuard> = {}): RunGuard {
  return {
    id: 'error-rate',
    title: 'Error rate',
    probe: { type: 'prometheus', query: 'err', above: 0.05 },
    forMs: 3000,
    intervalMs: 1000,
    action: 'rollback',
    noData: 'inconclusive',
    onError: 'inconclusive',
    ...overrides,
  };
}

function failed(at: number, value: number): Measurement {
  return { outcome: 'failed', value, message: `err = ${value}, above the limit 0.05`, at };
}

function run(g: RunGuard, measurements: Measurement[]): GuardHistory {
  const spec = assessmentSpecOf(g);
  return measurements.reduce((history, m) => recordGuardMeasurement(spec, history, m), emptyGuardHistory);
}

describe('decideBreach', () => {
  it('takes the guard action once the condition held for the whole window, naming values, threshold and since when', () => {
    const g = guard();
    const history = run(g, [0, 1000, 2000, 3000].map((d, i) => failed(T0 + d, 0.06 + i / 100)));
    const decision = decideBreach(g, assessGuard(assessmentSpecOf(g), history, T0 + 3000), undefined);
    expect(decision).toMatchObject({ action: 'rollback', inconclusive: false });
    expect(decision!.detail).toContain('above the limit 0.05');
    expect(decision!.detail).toContain('since 10:05:00 UTC');
    expect(decision!.detail).toContain('0.06, 0.07, 0.08, 0.09');
  });

  it('says nothing while the window is still filling', () => {
    const g = guard();
    const history = run(g, [failed(T0, 0.1), failed(T0 + 1000, 0.1)]);
    expect(decideBreach(g, assessGuard(assessmentSpecOf(g), history, T0 + 1000), undefined)).toBeUndefined();
  });

  it('alerts once per episode', () => {
    const g = guard({ forMs: 0 });
    const history = run(g, [failed(T0, 0.1)]);
    const assessment = assessGuard(assessmentSpecOf(g), history, T0);
    expect(decideBreach(g, assessment, T0)).toBeUndefined();
    expect(decideBreach(g, assessment, T0 - 60_000)).toBeDefined();
  });

  it('pages instead of rolling back when the whole window had no data', () => {
    const g = guard();
    const nan = (at: number): Measurement => ({ outcome: 'inconclusive', message: 'err: NaN', value: 'NaN', at });
    const history = run(g, [0, 1000, 2000, 3000].map((d) => nan(T0 + d)));
    const decision = decideBreach(g, assessGuard(assessmentSpecOf(g), history, T0 + 3000), undefined);
    expect(decision).toMatchObject({ action: 'page', inconclusive: true });
    expect(decision!.detail).toMatch(/^inconclusive/);
  });

  it('keeps notify guards to notifying, even when inconclusive', () => {
    const g = guard({ action: 'notify', forMs: 0, onError: 'inconclusive' });
    const history = run(g, [{ outcome: 'error', message: 'connection refused', at: T0 }]);
    expect(decideBreach(g, assessGuard(assessmentSpecOf(g), history, T0), undefined)).toMatchObject({ action: 'notify', inconclusive: true });
  });

  it('does not page over flightdeck falling behind (stale evaluations have no since)', () => {
    const g = guard();
    const history = run(g, [{ outcome: 'successful', value: 0.01, message: 'ok', at: T0 }]);
    const assessment = assessGuard(assessmentSpecOf(g), history, T0 + 10 * 60_000);
    expect(assessment.status).toBe('inconclusive');
    expect(decideBreach(g, assessment, undefined)).toBeUndefined();
  });
});
