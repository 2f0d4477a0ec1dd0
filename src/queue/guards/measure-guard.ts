import type { Measurement } from '../../probes/probe-provider.js';
import { runProbe } from '../../probes/run-probe.js';
import type { Run, RunGuard } from '../../run/core/run-schema.js';
import { probeContextFor } from '../steps/process-check.js';
import type { GuardDeps } from './guard-deps.js';

/** One evaluation may not outlast the interval by much, nor take longer than 10 s. */
export function guardTimeoutMs(guard: RunGuard): number {
  return Math.max(1000, Math.min(guard.intervalMs, 10_000));
}

/** Measures a guard's probe once (no retries: the window is the retry). Never rejects. */
export async function measureGuard(run: Run, guard: RunGuard, deps: GuardDeps, signal: AbortSignal): Promise<Measurement> {
  const result = await runProbe(guard.probe, probeContextFor(run, deps, guardTimeoutMs(guard), signal), deps.probeProviders);
  return result.measurement;
}
