import { describe, expect, it } from 'vitest';
import { parseSampleValue, readPrometheusResult } from '../../src/probes/read-prometheus-result.js';

const vector = (...values: string[]): string =>
  JSON.stringify({ status: 'success', data: { resultType: 'vector', result: values.map((v, i) => ({ metric: { pod: `p${i}` }, value: [1700000000.5, v] })) } });

describe('readPrometheusResult', () => {
  it.each([
    ['one sample', vector('0.0712'), { kind: 'value', value: 0.0712, text: '0.0712' }],
    ['+Inf', vector('+Inf'), { kind: 'value', value: Number.POSITIVE_INFINITY, text: '+Inf' }],
    ['scalar', JSON.stringify({ status: 'success', data: { resultType: 'scalar', result: [1, '0.05'] } }), { kind: 'value', value: 0.05, text: '0.05' }],
    ['empty vector', vector(), { kind: 'no-data', reason: 'the query returned an empty vector (no series matched)' }],
    ['NaN', vector('NaN'), { kind: 'no-data', reason: 'the query returned NaN' }],
    ['all NaN', vector('NaN', 'NaN'), { kind: 'no-data', reason: 'all 2 series are NaN' }],
    ['several series: the max, NaN ignored', vector('0.01', 'NaN', '0.3'), { kind: 'value', value: 0.3, text: '0.3', note: 'the query returned 3 series; using the largest, {pod="p2"}' }],
  ])('%s', (_name, body, expected) => {
    expect(readPrometheusResult(200, body)).toEqual(expected);
  });

  it.each([
    ['error envelope', 422, JSON.stringify({ status: 'error', errorType: 'execution', error: 'many-to-many matching not allowed' }), 'HTTP 422, execution: many-to-many matching not allowed'],
    ['not JSON', 502, '<html>Bad gateway</html>', 'HTTP 502 with a body that is not JSON: "<html>Bad gateway</html>"'],
    ['not the envelope', 200, '{"hello":"world"}', 'HTTP 200 with a body that is not a Prometheus API response'],
    ['numeric sample value', 200, JSON.stringify({ status: 'success', data: { resultType: 'scalar', result: [1, 0.5] } }), 'HTTP 200 with a body that is not a Prometheus API response'],
    ['range vector', 200, JSON.stringify({ status: 'success', data: { resultType: 'matrix', result: [] } }), 'the query returned a range vector; use an instant vector (e.g. wrap it in rate() or sum())'],
    ['string', 200, JSON.stringify({ status: 'success', data: { resultType: 'string', result: [1, 'x'] } }), 'the query returned a string; it must return a number'],
  ])('%s is invalid', (_name, status, body, reason) => {
    expect(readPrometheusResult(status, body)).toEqual({ kind: 'invalid', reason });
  });

  it.each([
    ['+Inf', Number.POSITIVE_INFINITY],
    ['-Inf', Number.NEGATIVE_INFINITY],
    ['NaN', Number.NaN],
    ['1e-3', 0.001],
    ['', Number.NaN],
  ])('parses sample %j', (text, value) => {
    expect(parseSampleValue(text)).toBe(value);
  });
});
