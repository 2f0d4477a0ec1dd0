import { formatSampleValue } from './format-sample-value.js';

/** Prometheus' errorType values (web/api/v1/api.go) and the HTTP status each is sent with. */
export const ERROR_STATUS = {
  bad_data: 400,
  execution: 422,
  timeout: 503,
  canceled: 503,
  unavailable: 503,
  internal: 500,
  not_found: 404,
} as const;

export type PrometheusErrorType = keyof typeof ERROR_STATUS;

/** A sample as a test writes it: a number, or the exact string Prometheus would send. */
export type SampleValue = number | 'NaN' | '+Inf' | '-Inf' | `${number}`;

/**
 * What an instant query answers, as a test sets it:
 * a sample value = a vector with one label-less sample; `null` = an empty vector (nothing matched);
 * `{ series }` = a vector with several samples; `{ scalar }` = a scalar result;
 * `{ error }` = an error envelope (errorType default `execution`, with its HTTP status).
 */
export type QueryResult =
  | SampleValue
  | null
  | { series: readonly { metric: Record<string, string>; value: SampleValue }[] }
  | { scalar: SampleValue }
  | { error: string; errorType?: PrometheusErrorType };

/** The HTTP status and JSON envelope Prometheus would send for `result` evaluated at `time` (unix s). */
export function renderQueryResult(result: QueryResult, time: number): { status: number; body: unknown } {
  const sample = (value: SampleValue): [number, string] => [time, typeof value === 'number' ? formatSampleValue(value) : value];
  if (result === null) return success({ resultType: 'vector', result: [] });
  if (typeof result === 'number' || typeof result === 'string') return success({ resultType: 'vector', result: [{ metric: {}, value: sample(result) }] });
  if ('error' in result) {
    const errorType = result.errorType ?? 'execution';
    return { status: ERROR_STATUS[errorType], body: { status: 'error', errorType, error: result.error } };
  }
  if ('scalar' in result) return success({ resultType: 'scalar', result: sample(result.scalar) });
  return success({ resultType: 'vector', result: result.series.map((s) => ({ metric: s.metric, value: sample(s.value) })) });
}

function success(data: unknown): { status: number; body: unknown } {
  return { status: 200, body: { status: 'success', data } };
}
