import type { Checklist } from '../../checklist/checklist-schema.js';
import { parseDuration } from '../../checklist/parse-duration.js';
import { isFlightdeckError } from '../../errors/flightdeck-error.js';
import { queryPrometheusRange, rangeStepMs } from '../../probes/query-prometheus-range.js';
import { replayGuard, type GuardReplay } from '../../probes/replay-guard.js';

/** One guard's replay over the last hours of the running version, or why it could not be replayed. */
export type GuardReplayLine = { title: string; for: string } & ({ replay: GuardReplay } | { unavailable: string });

/**
 * Replays each guard of the checklist over `[endMs - rangeMs, endMs]`: a prometheus guard's query as a range
 * query at its own interval (widened only past Prometheus' point cap), its `for` applied by replayGuard. Other
 * probes keep no history to replay. A refused query is that guard's answer, not the plan's failure.
 */
export async function replayGuards(send: typeof fetch, checklist: Checklist, prometheusUrl: string | undefined, rangeMs: number, endMs: number): Promise<GuardReplayLine[]> {
  const lines: GuardReplayLine[] = [];
  for (const guard of checklist.guards) {
    const head = { title: guard.title, for: guard.for };
    const probe = guard.probe;
    if (probe.type !== 'prometheus') {
      lines.push({ ...head, unavailable: `a ${probe.type} probe keeps no history to replay` });
      continue;
    }
    const baseUrl = probe.url ?? prometheusUrl;
    if (baseUrl === undefined) {
      lines.push({ ...head, unavailable: 'no Prometheus URL, on the probe or for the environment' });
      continue;
    }
    const stepMs = rangeStepMs(rangeMs, parseDuration(guard.interval) ?? 10_000);
    try {
      const series = await queryPrometheusRange(send, baseUrl, probe.query, { startMs: endMs - rangeMs, endMs, stepMs });
      const threshold = probe.above === undefined ? { below: probe.below as number } : { above: probe.above };
      lines.push({ ...head, replay: replayGuard(series, threshold, parseDuration(guard.for) ?? 0, stepMs) });
    } catch (err) {
      if (!isFlightdeckError(err)) throw err;
      lines.push({ ...head, unavailable: err.message });
    }
  }
  return lines;
}
