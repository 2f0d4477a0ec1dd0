import { type Server, createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { ProbeContext } from '../../src/probes/probe-provider.js';
import { type PrometheusProbeSpec, prometheusProbeSchema } from '../../src/probes/probe-types.js';
import { prometheusProbe } from '../../src/probes/prometheus-probe.js';
import { type PrometheusEmulator, startPrometheusEmulator } from '../../sandbox/prometheus/index.js';
import { freePort } from '../support/free-port.js';
import { serveEndlessly } from '../support/serve-endlessly.js';

const QUERY = 'sum(rate(http_requests_total{code=~"5.."}[5m])) / sum(rate(http_requests_total[5m]))';
const MIB = 1024 * 1024;
let prom: PrometheusEmulator;
/** Answers larger than the emulator gives: `/bytes/<n>` a vector of one series (0.2) in exactly n bytes, `/endless` one that never ends. */
let big: Server;
let bigUrl: string;
/** One per request to `/endless`: settles when the server sees that client close the connection. */
const endless: Promise<void>[] = [];

const answerOfBytes = (bytes: number): string => {
  const shape = (pad: string) => JSON.stringify({ status: 'success', data: { resultType: 'vector', result: [{ metric: { pad }, value: [1700000000, '0.2'] }] } });
  return shape('x'.repeat(bytes - shape('').length));
};

beforeAll(async () => {
  prom = await startPrometheusEmulator();
  big = createServer((req, res) => {
    const sized = /^\/bytes\/(\d+)\//.exec(req.url ?? '');
    if (sized) return void res.writeHead(200, { 'content-type': 'application/json' }).end(answerOfBytes(Number(sized[1])));
    const series = JSON.stringify({ metric: { pod: 'web' }, value: [1700000000, '0.2'] });
    endless.push(serveEndlessly(res, '{"status":"success","data":{"resultType":"vector","result":[', `${series},`.repeat(300)));
  });
  await new Promise<void>((resolve) => big.listen(0, '127.0.0.1', resolve));
  bigUrl = `http://127.0.0.1:${(big.address() as AddressInfo).port}`;
});
afterAll(async () => {
  big.closeAllConnections();
  await Promise.all([prom.close(), new Promise((resolve) => big.close(resolve))]);
});
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

  it('reads an answer of exactly 8 MiB and gives an error for one a byte longer', async () => {
    const at = await prometheusProbe.measure(spec({ above: 0.05, url: `${bigUrl}/bytes/${8 * MIB}` }), ctx());
    expect(at).toMatchObject({ outcome: 'failed', value: 0.2 });
    const past = await prometheusProbe.measure(spec({ above: 0.05, url: `${bigUrl}/bytes/${8 * MIB + 1}` }), ctx());
    expect(past).toMatchObject({ outcome: 'error', message: expect.stringContaining('answered more than 8 MiB (HTTP 200); narrow the query') });
  });

  it('gives an error for an answer that never ends, and lets the connection go', async () => {
    endless.length = 0;
    const m = await prometheusProbe.measure(spec({ above: 0.05, url: `${bigUrl}/endless` }), ctx());
    expect(m).toMatchObject({ outcome: 'error', message: expect.stringContaining('answered more than 8 MiB') });
    expect(endless).toHaveLength(1);
    await endless[0]; // the server saw the probe close its connection
  });

  it('keeps a path prefix in the base URL', async () => {
    const m = await prometheusProbe.measure(spec({ above: 0.05, url: `${prom.url}/prometheus` }), ctx());
    expect(m).toMatchObject({ outcome: 'error', message: expect.stringContaining('HTTP 404') });
  });
});
