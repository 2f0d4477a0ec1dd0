import { AggregatorRegistry, Counter, Gauge, Histogram, type Registry } from 'prom-client';
import type { MetricFamily } from '../roles/worker-messages.js';
import { EVENT_LOOP_DELAY_MAX } from './create-metrics.js';

/**
 * The families a worker process hands its supervisor: flightdeck's counters and histograms (run outcomes,
 * queue wait, Slack errors, stalled jobs …), and its event-loop delay, labelled with its role so it stands beside
 * the supervisor's. Its other gauges are read from Redis at scrape time and the supervisor reads the same values
 * itself; its Node runtime metrics would blur the answering process's own (event-loop delay, GC).
 */
export async function workerFamilies(registry: Registry): Promise<MetricFamily[]> {
  const shared = registry
    .getMetricsAsArray()
    .flatMap((metric) =>
      (metric instanceof Counter || metric instanceof Histogram || (metric instanceof Gauge && metric.name === EVENT_LOOP_DELAY_MAX)) && metric.name.startsWith('flightdeck_') ? [metric] : [],
    );
  return (await Promise.all(shared.map((metric) => metric.get()))) as unknown as MetricFamily[];
}

/**
 * The Prometheus text of `registry` with the worker's families added in: a family both have is summed per
 * label set (as prom-client's cluster aggregation does), one only the worker has is taken as it is.
 */
export async function renderWithWorker(registry: Registry, worker: readonly MetricFamily[]): Promise<string> {
  const own = (await registry.getMetricsAsJSON()) as unknown as MetricFamily[];
  const theirs = new Set(worker.map((family) => family.name));
  // aggregate() applies each family's aggregator, and 'omit' (process_start_time_seconds) would drop a family
  // only this process has: those are registered as they are.
  const merged = AggregatorRegistry.aggregate([own.filter((family) => theirs.has(family.name)), worker] as never);
  for (const family of own) if (!theirs.has(family.name)) merged.registerMetric(Object.assign({ get: () => family }, family) as never);
  return merged.metrics();
}
