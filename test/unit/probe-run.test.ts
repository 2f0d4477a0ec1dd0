import { describe, expect, it } from 'vitest';
import type { Measurement, MeasurementOutcome, ProbeContext, ProbeProvider, ProbeProviders } from '../../src/probes/probe-provider.js';
import { probeProviders } from '../../src/probes/probe-providers.js';
import type { ProbeSpec } from '../../src/probes/probe-types.js';
import { runProbe } from '../../src/probes/run-probe.js';

const spec: ProbeSpec = { type: 'tcp', host: 'db', port: 5432 };

/** Providers whose tcp probe answers the scripted outcomes in order (the last one repeats). */
function scripted(outcomes: readonly (MeasurementOutcome | 'throw')[]): { providers: ProbeProviders; calls: () => number } {
  let calls = 0;
  const tcp: ProbeProvider<Extract<ProbeSpec, { type: 'tcp' }>> = {
    type: 'tcp',
    async measure(_spec, ctx) {
      const outcome = outcomes[Math.min(calls++, outcomes.length - 1)] ?? 'error';
      if (outcome === 'throw') throw new Error('provider bug');
      return { outcome, value: calls, message: `attempt ${calls}: ${outcome}`, at: ctx.now() };
    },
  };
  return { providers: { ...probeProviders, tcp }, calls: () => calls };
}

function harness(signal = new AbortController().signal) {
  let clock = 1_000;
  const sleeps: number[] = [];
  const ctx: ProbeContext = { signal, timeoutMs: 1000, now: () => clock };
  const sleep = async (ms: number, s: AbortSignal): Promise<void> => {
    if (s.aborted) throw new Error('aborted');
    sleeps.push(ms);
    clock += ms;
  };
  return { ctx, sleep, sleeps };
}

describe('runProbe', () => {
  it.each([
    ['succeeds at once', ['successful'], 3, 'successful', 1],
    ['retries until success and stops early', ['failed', 'error', 'successful', 'failed'], 5, 'successful', 3],
    ['gives up after the retries with the last measurement', ['failed', 'error', 'inconclusive'], 2, 'inconclusive', 3],
    ['no retries', ['failed'], 0, 'failed', 1],
    ['a throwing provider becomes an error', ['throw'], 1, 'error', 2],
  ] as const)('%s', async (_name, outcomes, retries, outcome, attempts) => {
    const { providers, calls } = scripted(outcomes);
    const { ctx, sleep, sleeps } = harness();
    const result = await runProbe(spec, ctx, providers, { retries, intervalMs: 10_000, sleep });
    expect(result.measurement.outcome).toBe(outcome);
    expect(result.attempts).toHaveLength(attempts);
    expect(calls()).toBe(attempts);
    expect(sleeps).toEqual(Array.from({ length: attempts - 1 }, () => 10_000));
    expect(result.attempts.map((m: Measurement) => m.at)).toEqual(Array.from({ length: attempts }, (_, i) => 1_000 + i * 10_000));
  });

  it('stops retrying when cancelled and returns what it measured', async () => {
    const controller = new AbortController();
    const { providers } = scripted(['failed']);
    const { ctx } = harness(controller.signal);
    const sleep = async (): Promise<void> => {
      controller.abort();
      throw new Error('aborted');
    };
    const result = await runProbe(spec, ctx, providers, { retries: 5, intervalMs: 1, sleep });
    expect(result.attempts).toHaveLength(1);
    expect(result.measurement.outcome).toBe('failed');
  });

  it('reports an error when cancelled before the first attempt', async () => {
    const controller = new AbortController();
    controller.abort();
    const { providers, calls } = scripted(['successful']);
    const result = await runProbe(spec, harness(controller.signal).ctx, providers);
    expect(calls()).toBe(0);
    expect(result).toEqual({ measurement: { outcome: 'error', message: 'tcp probe: cancelled before it measured anything', at: 1_000 }, attempts: [] });
  });

  it('waits with a real timer by default', async () => {
    const { providers } = scripted(['failed', 'successful']);
    const result = await runProbe(spec, { signal: new AbortController().signal, timeoutMs: 100, now: Date.now }, providers, { retries: 1, intervalMs: 1 });
    expect(result.measurement.outcome).toBe('successful');
  });
});
