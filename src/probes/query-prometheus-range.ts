import { z } from 'zod';
import { FlightdeckError } from '../errors/flightdeck-error.js';
import { type BodyStart, readBodyUpTo } from '../net/read-body-up-to.js';
import { moveCredentialsToHeader } from './move-credentials-to-header.js';
import { redactUrl } from './redact-url.js';

/** Prometheus' cap on the points of one series in a range query. */
const MAX_POINTS = 11_000;

/**
 * A series at the point cap is some 300 KiB of JSON, so about a hundred of them fit: more than a guard's query
 * should match. Past it nothing more is read, and since a cut document cannot be read, the query fails.
 */
const MAX_ANSWER_BYTES = 32 * 1024 * 1024;

const envelopeSchema = z.discriminatedUnion('status', [
  z.object({
    status: z.literal('success'),
    data: z.object({
      resultType: z.literal('matrix'),
      result: z.array(z.object({ metric: z.record(z.string(), z.string()), values: z.array(z.tuple([z.number(), z.string()])) })),
    }),
  }),
  z.object({ status: z.literal('error'), errorType: z.string(), error: z.string() }),
]);

/** The step a range over `rangeMs` is read at: the guard's own interval, widened only as Prometheus' point cap demands. */
export function rangeStepMs(rangeMs: number, intervalMs: number): number {
  return Math.max(intervalMs, Math.ceil(rangeMs / MAX_POINTS / 1000) * 1000);
}

/**
 * Runs `query` as a range query (`GET /api/v1/query_range`) from `startMs` to `endMs` at `stepMs`, under a base
 * URL that may carry a path prefix, and gives each series' samples as `[unix seconds, value]` (`NaN`, `+Inf`
 * as numbers).
 *
 * @throws FlightdeckError `prometheus-failed` with Prometheus' errorType and words when it refuses the query,
 *   or when it cannot be reached, answers something else than a matrix or more than MAX_ANSWER_BYTES (32 MiB).
 */
export async function queryPrometheusRange(
  send: typeof fetch,
  baseUrl: string,
  query: string,
  range: { startMs: number; endMs: number; stepMs: number },
  signal?: AbortSignal,
): Promise<Array<Array<[number, number]>>> {
  const url = new URL('api/v1/query_range', baseUrl.endsWith('/') ? baseUrl : `${baseUrl}/`);
  url.searchParams.set('query', query);
  url.searchParams.set('start', String(range.startMs / 1000));
  url.searchParams.set('end', String(range.endMs / 1000));
  url.searchParams.set('step', `${range.stepMs / 1000}s`);
  const what = `prometheus ${redactUrl(baseUrl)} range query ${query}`;
  const moved = moveCredentialsToHeader(url.toString(), { accept: 'application/json' });
  let status: number;
  let answer: BodyStart;
  let json: unknown;
  try {
    const response = await send(moved.url, { headers: moved.headers, ...(signal ? { signal } : {}) });
    status = response.status;
    answer = await readBodyUpTo(response.body, MAX_ANSWER_BYTES);
    json = answer.truncated ? undefined : JSON.parse(answer.text);
  } catch (err) {
    throw new FlightdeckError('prometheus-failed', `${what}: ${(err as Error).message}`, { cause: err });
  }
  if (answer.truncated) {
    throw new FlightdeckError('prometheus-failed', `${what}: answered more than ${MAX_ANSWER_BYTES / 1024 / 1024} MiB (HTTP ${status}); narrow the query or its range`);
  }
  const parsed = envelopeSchema.safeParse(json);
  if (!parsed.success) throw new FlightdeckError('prometheus-failed', `${what}: HTTP ${status} with a body that is not a range query's matrix`);
  if (parsed.data.status === 'error') throw new FlightdeckError('prometheus-failed', `${what}: ${parsed.data.errorType}: ${parsed.data.error}`);
  return parsed.data.data.result.map((series) => series.values.map(([t, v]) => [t, Number(v)] as [number, number]));
}
