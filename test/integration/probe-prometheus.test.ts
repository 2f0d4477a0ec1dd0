import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { ProbeContext } from '../../src/probes/probe-provider.js';
import { type PrometheusProbeSpec, prometheusProbeSchema } from '../../src/probes/probe-types.js';
import { prometheusProbe } from '../../src/probes/prometheus-probe.js';
import { type PrometheusEmulator, startPrometheusEmulator } from '../../sandbox/prometheus/index.js';
import { freePort } from '../support/free-port.js';

const QUERY = 'sum(rate(http_requests_total{code=~"5.."}[5m])) / sum(rate(http_requests_total[5m]))';
let prom: PrometheusEmulator;
beforeAll(async () => {
  prom = await startPrometheusEmulator();
});
afterAll(async () => prom.close());
beforeEach(() => prom.reset());

function ctx(extra: Partial<ProbeContext> = {}): ProbeContext {
  return { signal: new AbortController().signal, timeoutMs: 2000, now: () => Date.now(), prometheusUrl: prom.url, ...extra };
}

function spec(input: Record<string, unknown>): PrometheusProbeSpec {
  return prometheusProbeSchema.parse({ type: 'prometheus', query: QUERY, ...input });
}

describe('prometheus probe', () => {
  it.each([
    ['0.0712', { above: 0.05 }, 'failed', 0.0712],
    ['0.05', { above: 0.05 }, 'successful', 0.05],
    ['0.01', { above: 0.05 }, 'successful', 0.01],
    ['0.5', { below: 1 }, 'failed', 0.5],
    ['3', { below: 1 }, 'successful', 3],
    ['+Inf', { above: 5 }, 'failed', '+Inf'],
  ] as const)('reads %s against %o as %s', async (sample, threshold, outcome, value) => {
    prom.setQueryResult(QUERY, sample);
    const m = await prometheusProbe.measure(spec(threshold), ctx());
    expect(m).toMatchObject({ outcome, value });
    expect(m.message).toContain(sample);
  });

  it('uses the environment URL unless the probe names one, and sends the query as Prometheus expects', async () => {
    prom.setQueryResult(QUERY, 0.2);
    await prometheusProbe.measure(spec({ above: 0.05 }), ctx());
    const other = await prometheusProbe.measure(spec({ above: 0.05, url: `http://127.0.0.1:${await freePort()}` }), ctx());
    expect(other.outcome).toBe('error');
    expect(prom.queries).toEqual([{ method: 'GET', query: QUERY, time: undefined }]);
  });

  it('is inconclusive for an empty vector and for NaN', async () => {
    prom.setQueryResult('nan_query', 'NaN');
    const empty = await prometheusProbe.measure(spec({ above: 0.05 }), ctx());
    const nan = await prometheusProbe.measure(spec({ above: 0.05, query: 'nan_query' }), ctx());
    expect(empty).toMatchObject({ outcome: 'inconclusive', message: expect.stringContaining('empty vector') });
    expect(nan).toMatchObject({ outcome: 'inconclusive', message: expect.stringContaining('NaN') });
  });

  it('uses the largest of several series and says so', async () => {
    prom.setQueryResult(QUERY, { series: [{ metric: { version: 'stable' }, value: 0.01 }, { metric: { version: 'canary' }, value: 0.09 }, { metric: { version: 'old' }, value: 'NaN' }] });
    const m = await prometheusProbe.measure(spec({ above: 0.05 }), ctx());
    expect(m).toMatchObject({ outcome: 'failed', value: 0.09 });
    expect(m.message).toContain('3 series');
    expect(m.message).toContain('version="canary"');
  });

  it('reads scalar results', async () => {
    prom.setQueryResult('scalar(x)', { scalar: 0.3 });
    expect(await prometheusProbe.measure(spec({ query: 'scalar(x)', below: 0.5 }), ctx())).toMatchObject({ outcome: 'failed', value: 0.3 });
  });

  it('reports Prometheus errors with their errorType', async () => {
    prom.setQueryResult(QUERY, { error: '1:9: parse error: unexpected end of input', errorType: 'bad_data' });
    const m = await prometheusProbe.measure(spec({ above: 0.05 }), ctx());
    expect(m.outcome).toBe('error');
    expect(m.message).toContain('HTTP 400, bad_data: 1:9: parse error');
  });

  it('is an error when Prometheus is unreachable, too slow, or not configured', async () => {
    const refused = await prometheusProbe.measure(spec({ above: 0.05 }), ctx({ prometheusUrl: `http://127.0.0.1:${await freePort()}` }));
    expect(refused).toMatchObject({ outcome: 'error', message: expect.stringContaining('connection refused') });
    prom.setResponseDelay(1000);
    const slow = await prometheusProbe.measure(spec({ above: 0.05 }), ctx({ timeoutMs: 100 }));
    expect(slow).toMatchObject({ outcome: 'error', message: expect.stringContaining('timed out after 100 ms') });
    const { prometheusUrl: _unused, ...withoutUrl } = ctx();
    expect(await prometheusProbe.measure(spec({ above: 0.05 }), withoutUrl)).toMatchObject({ outcome: 'error', message: expect.stringContaining('no Prometheus URL') });
  });

  it('keeps a path prefix in the base URL', async () => {
    const m = await prometheusProbe.measure(spec({ above: 0.05, url: `${prom.url}/prometheus` }), ctx());
    expect(m).toMatchObject({ outcome: 'error', message: expect.stringContaining('HTTP 404') });
  });
});
