import { escapeMrkdwn } from '../format/escape-mrkdwn.js';
import { setTimeout as delay } from 'node:timers/promises';
import type { Measurement, ProbeContext, ProbeProvider, ProbeProviders } from './probe-provider.js';
import type { ProbeSpec } from './probe-types.js';

/** How a `check` item repeats a probe that did not succeed. */
export interface ProbeRetryPolicy {
  /** Extra attempts after the first; default 0. */
  retries?: number;
  /** Pause between attempts in ms; default 0. */
  intervalMs?: number;
  /** Waits `ms` or until `signal` fires; default: a real timer. Injected so tests need no real waits. */
  sleep?: (ms: number, signal: AbortSignal) => Promise<void>;
}

/** The outcome of `runProbe`: the last measurement decides; earlier ones are kept for the record. */
export interface ProbeRunResult {
  /** The first successful measurement, or the last one when none succeeded. */
  measurement: Measurement;
  /** Every measurement taken, oldest first (at least one). */
  attempts: readonly Measurement[];
}

/**
 * Measures `spec` with its provider, retrying up to `retry.retries` times `retry.intervalMs` apart and
 * stopping at the first `successful` measurement. Never rejects: a provider that throws yields outcome
 * `error`, and cancelling `ctx.signal` stops the retries and returns what was measured so far (an
 * `error` measurement when cancelled before the first attempt finished). Each attempt gets the whole
 * `ctx.timeoutMs`.
 */
export async function runProbe(spec: ProbeSpec, ctx: ProbeContext, providers: ProbeProviders, retry: ProbeRetryPolicy = {}): Promise<ProbeRunResult> {
  const retries = Math.max(0, Math.floor(retry.retries ?? 0));
  const sleep = retry.sleep ?? defaultSleep;
  const provider = providers[spec.type] as ProbeProvider;
  const attempts: Measurement[] = [];
  for (let attempt = 0; attempt <= retries; attempt++) {
    if (attempt > 0) {
      try {
        await sleep(retry.intervalMs ?? 0, ctx.signal);
      } catch {
        break;
      }
    }
    if (ctx.signal.aborted) break;
    const measurement = await measureSafely(provider, spec, ctx);
    attempts.push(measurement);
    if (measurement.outcome === 'successful') break;
  }
  const last = attempts.at(-1) ?? { outcome: 'error', message: `${spec.type} probe: cancelled before it measured anything`, at: ctx.now() };
  return { measurement: last, attempts };
}

async function measureSafely(provider: ProbeProvider, spec: ProbeSpec, ctx: ProbeContext): Promise<Measurement> {
  let measured: Measurement;
  try {
    measured = await provider.measure(spec, ctx);
  } catch (err) {
    // Providers are meant to turn every problem into a measurement; this keeps a buggy one from failing the run.
    measured = { outcome: 'error', message: `${spec.type} probe failed unexpectedly: ${err instanceof Error ? err.message : String(err)}`, at: ctx.now() };
  }
  // Messages and values carry what a workload answered: from here on they are shown in Slack as typed.
  const { value } = measured;
  return { ...measured, message: escapeMrkdwn(measured.message), ...(typeof value === 'string' ? { value: escapeMrkdwn(value) } : {}) };
}

async function defaultSleep(ms: number, signal: AbortSignal): Promise<void> {
  await delay(ms, undefined, { signal });
}
