import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { type PrometheusEmulator, startPrometheusEmulator } from './index.js';

let prom: PrometheusEmulator;
beforeAll(async () => {
  prom = await startPrometheusEmulator();
});
afterAll(async () => prom.close());
beforeEach(() => prom.reset());

async function get(path: string): Promise<{ status: number; json: unknown }> {
  const res = await fetch(`${prom.url}${path}`);
  return { status: res.status, json: await res.json() };
}

describe('Prometheus emulator: /api/v1/query_range', () => {
  it('evaluates every step from start to end inclusive into a matrix, leaving out series with no sample', async () => {
    prom.setRangeSeries('error_rate', [
      { metric: { job: 'api' }, valueAt: (t) => (t === 1700000060 ? 0.5 : 0.01) },
      { metric: { job: 'gone' }, valueAt: () => undefined },
    ]);
    expect(await get('/api/v1/query_range?query=error_rate&start=1700000000&end=1700000120&step=1m')).toEqual({
      status: 200,
      json: { status: 'success', data: { resultType: 'matrix', result: [{ metric: { job: 'api' }, values: [[1700000000, '0.01'], [1700000060, '0.5'], [1700000120, '0.01']] }] } },
    });
    expect(prom.queries.at(-1)).toMatchObject({ query: 'error_rate', range: { start: '1700000000', end: '1700000120', step: '1m' } });
  });

  it('answers a query nothing matches with an empty matrix', async () => {
    expect(await get('/api/v1/query_range?query=nothing&start=0&end=60&step=15')).toEqual({ status: 200, json: { status: 'success', data: { resultType: 'matrix', result: [] } } });
  });

  // The words are checked against the real Prometheus in test/integration/replay-prometheus-real.test.ts.
  it.each([
    ['query=up&end=60&step=15', 'invalid parameter "start": cannot parse "" to a valid timestamp'],
    ['query=up&start=0&end=soon&step=15', 'invalid parameter "end": cannot parse "soon" to a valid timestamp'],
    ['query=up&start=60&end=0&step=15', 'invalid parameter "end": end timestamp must not be before start time'],
    ['query=up&start=0&end=60&step=fast', 'invalid parameter "step": cannot parse "fast" to a valid duration'],
    ['query=up&start=0&end=60&step=0', 'invalid parameter "step": zero or negative query resolution step widths are not accepted. Try a positive integer'],
    ['query=up&start=0&end=86400&step=1', 'exceeded maximum resolution of 11,000 points per timeseries. Try decreasing the query resolution (?step=XX)'],
  ])('refuses %s with 400 bad_data in Prometheus\' words', async (params, error) => {
    expect(await get(`/api/v1/query_range?${params}`)).toEqual({ status: 400, json: { status: 'error', errorType: 'bad_data', error } });
  });
});
