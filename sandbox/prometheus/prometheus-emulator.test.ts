import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { formatSampleValue, type PrometheusEmulator, startPrometheusEmulator } from './index.js';

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

describe('Prometheus emulator', () => {
  it('answers a vector with a string sample at the requested time', async () => {
    prom.setQueryResult('up', 0.0712);
    expect(await get('/api/v1/query?query=up&time=1700000000.123')).toEqual({
      status: 200,
      json: { status: 'success', data: { resultType: 'vector', result: [{ metric: {}, value: [1700000000.123, '0.0712'] }] } },
    });
  });

  it('answers form-encoded POST like GET, and accepts RFC 3339 times', async () => {
    prom.setQueryResult('sum(x)', 'NaN');
    const res = await fetch(`${prom.url}/api/v1/query`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ query: 'sum(x)', time: '2023-11-14T22:13:20Z' }),
    });
    expect(await res.json()).toEqual({ status: 'success', data: { resultType: 'vector', result: [{ metric: {}, value: [1700000000, 'NaN'] }] } });
    expect(prom.queries).toEqual([{ method: 'POST', query: 'sum(x)', time: '2023-11-14T22:13:20Z' }]);
  });

  it('answers an empty vector for unset queries and null results', async () => {
    prom.setQueryResult('gone', null);
    for (const q of ['gone', 'never_set']) {
      expect((await get(`/api/v1/query?query=${q}`)).json).toMatchObject({ status: 'success', data: { resultType: 'vector', result: [] } });
    }
  });

  it('answers scalars and several series', async () => {
    prom.setQueryResult('scalar(1)', { scalar: '+Inf' });
    prom.setQueryResult('by_version', { series: [{ metric: { version: 'canary' }, value: 0.5 }, { metric: { version: 'stable' }, value: '0.01' }] });
    expect((await get('/api/v1/query?query=scalar(1)&time=1')).json).toEqual({ status: 'success', data: { resultType: 'scalar', result: [1, '+Inf'] } });
    expect((await get('/api/v1/query?query=by_version&time=1')).json).toEqual({
      status: 'success',
      data: {
        resultType: 'vector',
        result: [
          { metric: { version: 'canary' }, value: [1, '0.5'] },
          { metric: { version: 'stable' }, value: [1, '0.01'] },
        ],
      },
    });
  });

  it('sends error envelopes with the status code of their errorType', async () => {
    prom.setQueryResult('slow', { error: 'query timed out in expression evaluation', errorType: 'timeout' });
    prom.setQueryResult('bad', { error: 'many-to-many matching not allowed' });
    expect(await get('/api/v1/query?query=slow')).toEqual({ status: 503, json: { status: 'error', errorType: 'timeout', error: 'query timed out in expression evaluation' } });
    expect(await get('/api/v1/query?query=bad')).toMatchObject({ status: 422, json: { errorType: 'execution' } });
    expect(await get('/api/v1/query')).toMatchObject({ status: 400, json: { status: 'error', errorType: 'bad_data' } });
    expect(await get('/api/v1/query?query=up&time=yesterday')).toMatchObject({ status: 400, json: { errorType: 'bad_data' } });
  });

  it('rejects other paths and methods as Prometheus does', async () => {
    expect((await fetch(`${prom.url}/api/v1/nope`)).status).toBe(404);
    expect((await fetch(`${prom.url}/api/v1/query?query=up`, { method: 'DELETE' })).status).toBe(405);
  });

  it.each([
    [0.05, '0.05'],
    [1e-7, '0.0000001'],
    [1.5e21, '1500000000000000000000'],
    [-2.5e-8, '-0.000000025'],
    [Number.NaN, 'NaN'],
    [Number.NEGATIVE_INFINITY, '-Inf'],
    [42, '42'],
  ])('formats %s as %s', (value, text) => {
    expect(formatSampleValue(value)).toBe(text);
  });
});
