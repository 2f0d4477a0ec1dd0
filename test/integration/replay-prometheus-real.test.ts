import { type Server, createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FlightdeckError } from '../../src/errors/flightdeck-error.js';
import { queryPrometheusRange } from '../../src/probes/query-prometheus-range.js';
import { replayGuard } from '../../src/probes/replay-guard.js';
import { type PrometheusEmulator, startPrometheusEmulator } from '../../sandbox/prometheus/index.js';
import { type PrometheusServer, prometheusUnavailableReason, startPrometheusServer } from '../support/prometheus-server.js';
import { caughtFlightdeckError } from '../support/caught-flightdeck-error.js';
import { serveEndlessly } from '../support/serve-endlessly.js';
import { requireTool, skipWithout } from '../support/skip-without.js';

const unavailable = prometheusUnavailableReason();
const MIN = 60_000;
const STEP = 15_000;

/** The dry run's replay (range query, then the guard's `for`) against the real Prometheus binary, and the emulator's words checked against it. */
describe.skipIf(skipWithout(unavailable, 'the real-Prometheus replay tests'))('guard replay against a real Prometheus', () => {
  let prom: PrometheusServer;
  let emulator: PrometheusEmulator;
  beforeAll(async () => {
    requireTool(unavailable);
    prom = await startPrometheusServer();
    emulator = await startPrometheusEmulator();
  }, 60_000);
  afterAll(async () => {
    await prom?.stop();
    await emulator?.close();
  });

  const lastTenMinutes = () => {
    const endMs = Math.floor(Date.now() / 1000) * 1000;
    return { startMs: endMs - 10 * MIN, endMs, stepMs: STEP };
  };

  it('reads a matrix at every step of the range, and a constant beyond the limit is one breach as long as the range', async () => {
    const series = await queryPrometheusRange(fetch, prom.url, 'vector(0.5)', lastTenMinutes());
    expect(series).toHaveLength(1);
    expect(series[0]).toHaveLength(41);
    expect(replayGuard(series, { above: 0.05 }, 2 * MIN, STEP)).toEqual({ breaches: 1, longestMs: 10 * MIN + STEP, evaluated: 41 });
    expect(replayGuard(await queryPrometheusRange(fetch, prom.url, 'vector(0.01)', lastTenMinutes()), { above: 0.05 }, 0, STEP)).toEqual({ breaches: 0, longestMs: 0, evaluated: 41 });
  });

  it('refuses a range over the point cap with prometheus-failed quoting Prometheus', async () => {
    const endMs = Math.floor(Date.now() / 1000) * 1000;
    const err = await queryPrometheusRange(fetch, prom.url, 'vector(1)', { startMs: endMs - 24 * 60 * MIN, endMs, stepMs: 1000 }).then(() => undefined, (e: unknown) => e);
    expect(err).toBeInstanceOf(FlightdeckError);
    expect((err as FlightdeckError).code).toBe('prometheus-failed');
    expect((err as FlightdeckError).message).toContain('bad_data: exceeded maximum resolution of 11,000 points per timeseries');
  });

  it.each([
    'query=up&end=60&step=15',
    'query=up&start=0&end=soon&step=15',
    'query=up&start=60&end=0&step=15',
    'query=up&start=0&end=60&step=fast',
    'query=up&start=0&end=60&step=0',
    'query=up&start=0&end=86400&step=1',
  ])('the emulator refuses %s as the real Prometheus does', async (params) => {
    const answer = async (base: string) => {
      const res = await fetch(`${base}/api/v1/query_range?${params}`);
      return { status: res.status, body: await res.json() };
    };
    expect(await answer(emulator.url)).toEqual(await answer(prom.url));
  });
});

/** Range answers larger than a real Prometheus is asked for here: `/bytes/<n>` a matrix of one series in exactly n bytes, `/endless` one that never ends. */
describe('range query answers past 32 MiB', () => {
  const MIB = 1024 * 1024;
  let server: Server;
  let base: string;
  /** One per request to `/endless`: settles when the server sees that client close the connection. */
  const endless: Promise<void>[] = [];
  const matrixOfBytes = (bytes: number): string => {
    const shape = (pad: string) => JSON.stringify({ status: 'success', data: { resultType: 'matrix', result: [{ metric: { pad }, values: [[60, '0.2']] }] } });
    return shape('x'.repeat(bytes - shape('').length));
  };
  beforeAll(async () => {
    server = createServer((req, res) => {
      const sized = /^\/bytes\/(\d+)\//.exec(req.url ?? '');
      if (sized) return void res.writeHead(200, { 'content-type': 'application/json' }).end(matrixOfBytes(Number(sized[1])));
      endless.push(serveEndlessly(res, '{"status":"success","data":{"resultType":"matrix","result":[{"metric":{},"values":[', '[60,"0.2"],'.repeat(1500)));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    server?.closeAllConnections();
    await new Promise((resolve) => server?.close(resolve));
  });
  const range = { startMs: 0, endMs: 60_000, stepMs: 15_000 };

  it('reads a matrix of exactly 32 MiB and refuses one a byte longer with prometheus-failed', async () => {
    expect(await queryPrometheusRange(fetch, `${base}/bytes/${32 * MIB}`, 'up', range)).toEqual([[[60, 0.2]]]);
    const err = await caughtFlightdeckError(queryPrometheusRange(fetch, `${base}/bytes/${32 * MIB + 1}`, 'up', range));
    expect(err.code).toBe('prometheus-failed');
    expect(err.message).toContain('answered more than 32 MiB (HTTP 200); narrow the query or its range');
  });

  it('refuses a matrix that never ends, and lets the connection go', async () => {
    endless.length = 0;
    const err = await caughtFlightdeckError(queryPrometheusRange(fetch, `${base}/endless`, 'up', range));
    expect(err).toMatchObject({ code: 'prometheus-failed', message: expect.stringContaining('answered more than 32 MiB') });
    expect(endless).toHaveLength(1);
    await endless[0]; // the server saw the client close its connection
  });
});
