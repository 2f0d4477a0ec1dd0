import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { assessGuard, emptyGuardHistory, recordGuardMeasurement } from '../../src/probes/assess-guard.js';
import type { Measurement, ProbeContext } from '../../src/probes/probe-provider.js';
import { prometheusProbeSchema } from '../../src/probes/probe-types.js';
import { prometheusProbe } from '../../src/probes/prometheus-probe.js';
import { type PrometheusServer, prometheusUnavailableReason, startPrometheusServer } from '../support/prometheus-server.js';
import { requireTool, skipWithout } from '../support/skip-without.js';
import { waitUntil } from '../support/wait-until.js';

const unavailable = prometheusUnavailableReason();

const ERROR_RATIO = 'sum(rate(http_requests_total{code=~"5.."}[15s])) / sum(rate(http_requests_total[15s]))';
const P95 = 'histogram_quantile(0.95, sum by (le) (rate(http_request_duration_seconds_bucket[15s])))';

describe.skipIf(skipWithout(unavailable, 'the real-Prometheus probe tests'))('prometheus probe against a real Prometheus', () => {
  let prom: PrometheusServer;
  beforeAll(async () => {
    requireTool(unavailable);
    prom = await startPrometheusServer();
  }, 60_000);
  afterAll(async () => prom?.stop());

  const ctx = (): ProbeContext => ({ signal: new AbortController().signal, timeoutMs: 5000, now: () => Date.now(), prometheusUrl: prom.url });

  async function measureUntil(query: string, threshold: { above: number }, want: Measurement['outcome']): Promise<Measurement> {
    const spec = prometheusProbeSchema.parse({ type: 'prometheus', query, ...threshold });
    let last: Measurement | undefined;
    try {
      return await waitUntil(`${query} to be ${want}`, async () => {
        last = await prometheusProbe.measure(spec, ctx());
        if (last.outcome === want) return last;
        await new Promise((resolve) => setTimeout(resolve, 500));
        return undefined;
      }, 40_000);
    } catch (err) {
      throw new Error(`${String(err)}; last measurement: ${JSON.stringify(last)}`);
    }
  }

  it('sees the error ratio rise above 5% after the service starts failing', async () => {
    // The other test of this file may have run first (CI shuffles): the service starts healthy again here, and
    // the ratio is judged below the limit, not exactly 0, since the query's window may still hold its errors.
    prom.service.errorRatio = 0;
    const healthy = await measureUntil(ERROR_RATIO, { above: 0.05 }, 'successful');
    expect(healthy.value).toBeLessThanOrEqual(0.05);
    prom.service.errorRatio = 0.2;
    const failing = await measureUntil(ERROR_RATIO, { above: 0.05 }, 'failed');
    expect(failing.value).toBeGreaterThan(0.05);
    expect(failing.value).toBeLessThanOrEqual(0.2);
    expect(failing.message).toContain('above the limit 0.05');
  }, 90_000);

  it('drives a guard from healthy through pending to breached on the real error ratio', async () => {
    prom.service.errorRatio = 0;
    await measureUntil(ERROR_RATIO, { above: 0.05 }, 'successful');
    const guard = { id: 'error-rate', forMs: 3000, maxGapMs: 5000 };
    const spec = prometheusProbeSchema.parse({ type: 'prometheus', query: ERROR_RATIO, above: 0.05 });
    let history = emptyGuardHistory;
    const statuses: string[] = [];
    prom.service.errorRatio = 0.5;
    const breached = await waitUntil('the guard to breach', async () => {
      const m = await prometheusProbe.measure(spec, ctx());
      history = recordGuardMeasurement(guard, history, m);
      const assessment = assessGuard(guard, history, Date.now());
      if (statuses.at(-1) !== assessment.status) statuses.push(assessment.status);
      if (assessment.status === 'breached') return assessment;
      await new Promise((resolve) => setTimeout(resolve, 500));
      return undefined;
    }, 40_000);
    // The first evaluation may already see errors if a scrape landed right after the flip.
    expect(statuses.filter((s) => s !== 'healthy')).toEqual(['pending', 'breached']);
    expect(breached.values.every((v) => v.outcome === 'failed')).toBe(true);
    expect(breached.values.at(-1)?.at).toBeGreaterThanOrEqual((breached.since ?? 0) + guard.forMs);
    prom.service.errorRatio = 0;
  }, 90_000);

  it('sees p95 latency cross 5 s when the service slows down', async () => {
    await measureUntil(P95, { above: 5 }, 'successful');
    prom.service.latencySeconds = 7;
    const slow = await measureUntil(P95, { above: 5 }, 'failed');
    expect(slow.value).toBeGreaterThan(5);
  }, 90_000);

  it('reports a real parse error as an error with errorType bad_data', async () => {
    const spec = prometheusProbeSchema.parse({ type: 'prometheus', query: 'sum(rate(', above: 1 });
    const m = await prometheusProbe.measure(spec, ctx());
    expect(m.outcome).toBe('error');
    expect(m.message).toContain('HTTP 400, bad_data');
  });

  it('is inconclusive for a query matching no series', async () => {
    const spec = prometheusProbeSchema.parse({ type: 'prometheus', query: 'sum(no_such_metric_total)', above: 1 });
    expect((await prometheusProbe.measure(spec, ctx())).outcome).toBe('inconclusive');
  });
});
