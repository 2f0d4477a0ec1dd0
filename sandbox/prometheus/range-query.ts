import { formatSampleValue } from './format-sample-value.js';
import { ERROR_STATUS } from './query-result.js';
import { parseTime } from './parse-time.js';

/** A series a range query evaluates: its labels and its value at a unix time in seconds (undefined: no sample then). */
export interface RangeSeries {
  metric: Record<string, string>;
  valueAt: (unixSeconds: number) => number | undefined;
}

/** Prometheus' cap on points per series of a range query (web/api/v1/api.go). */
const MAX_POINTS = 11_000;
const UNIT_SECONDS: Readonly<Record<string, number>> = { ms: 0.001, s: 1, m: 60, h: 3600, d: 86_400, w: 604_800, y: 31_536_000 };

/** A step as Prometheus reads it: float seconds, or a duration such as `30s`, `1m30s`. */
function parseStep(text: string): number | undefined {
  if (/^\d+(\.\d+)?$/.test(text)) return Number(text);
  const parts = [...text.matchAll(/(\d+)(ms|s|m|h|d|w|y)/g)];
  if (parts.length === 0 || parts.map((p) => p[0]).join('') !== text) return undefined;
  return parts.reduce((sum, p) => sum + Number(p[1]) * UNIT_SECONDS[p[2]!]!, 0);
}

const badData = (error: string) => ({ status: ERROR_STATUS.bad_data, body: { status: 'error', errorType: 'bad_data', error } });

/**
 * `/api/v1/query_range` as Prometheus answers it: `start`, `end` and `step` checked in that order with its
 * messages (400 bad_data), every step from start to end inclusive evaluated, a matrix of the series with at
 * least one sample, values as strings.
 */
export function answerRangeQuery(params: URLSearchParams, seriesOf: (query: string) => readonly RangeSeries[]): { status: number; body: unknown } {
  const start = parseTime(params.get('start') ?? '');
  if (start === undefined) return badData(`invalid parameter "start": cannot parse "${params.get('start') ?? ''}" to a valid timestamp`);
  const end = parseTime(params.get('end') ?? '');
  if (end === undefined) return badData(`invalid parameter "end": cannot parse "${params.get('end') ?? ''}" to a valid timestamp`);
  if (end < start) return badData('invalid parameter "end": end timestamp must not be before start time');
  const step = parseStep(params.get('step') ?? '');
  if (step === undefined) return badData(`invalid parameter "step": cannot parse "${params.get('step') ?? ''}" to a valid duration`);
  if (step <= 0) return badData('invalid parameter "step": zero or negative query resolution step widths are not accepted. Try a positive integer');
  if ((end - start) / step > MAX_POINTS) return badData('exceeded maximum resolution of 11,000 points per timeseries. Try decreasing the query resolution (?step=XX)');
  const query = params.get('query') ?? '';
  if (query.trim() === '') return badData('invalid parameter "query": 1:1: parse error: no expression found in input');
  const result = seriesOf(query).flatMap((series) => {
    const values: Array<[number, string]> = [];
    for (let t = start; t <= end; t += step) {
      const value = series.valueAt(t);
      if (value !== undefined) values.push([t, formatSampleValue(value)]);
    }
    return values.length === 0 ? [] : [{ metric: series.metric, values }];
  });
  return { status: 200, body: { status: 'success', data: { resultType: 'matrix', result } } };
}
