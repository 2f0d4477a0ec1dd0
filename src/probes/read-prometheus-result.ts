import { z } from 'zod';

const sample = z.tuple([z.number(), z.string()]);

const envelopeSchema = z.discriminatedUnion('status', [
  z.object({
    status: z.literal('success'),
    data: z.discriminatedUnion('resultType', [
      z.object({ resultType: z.literal('vector'), result: z.array(z.object({ metric: z.record(z.string(), z.string()), value: sample })) }),
      z.object({ resultType: z.literal('scalar'), result: sample }),
      z.object({ resultType: z.literal('string'), result: sample }),
      z.object({ resultType: z.literal('matrix'), result: z.array(z.unknown()) }),
    ]),
    warnings: z.array(z.string()).optional(),
  }),
  z.object({ status: z.literal('error'), errorType: z.string(), error: z.string() }),
]);

/** What an instant query came to, reduced to one number for a threshold. */
export type PrometheusResult =
  | { kind: 'value'; value: number; text: string; note?: string }
  | { kind: 'no-data'; reason: string }
  | { kind: 'invalid'; reason: string };

/**
 * Parses a `/api/v1/query` answer (any HTTP status; Prometheus sends its error envelope with 4xx/5xx).
 * A scalar or a single-sample vector gives its value; several series give the largest, with a note
 * naming how many; an empty vector or only NaN samples is `no-data`; an error envelope, a range vector,
 * a string result or a body that is not the envelope is `invalid`, with Prometheus' errorType and text.
 */
export function readPrometheusResult(httpStatus: number, body: string): PrometheusResult {
  let json: unknown;
  try {
    json = JSON.parse(body);
  } catch {
    return { kind: 'invalid', reason: `HTTP ${httpStatus} with a body that is not JSON: ${JSON.stringify(body.slice(0, 120))}` };
  }
  const parsed = envelopeSchema.safeParse(json);
  if (!parsed.success) return { kind: 'invalid', reason: `HTTP ${httpStatus} with a body that is not a Prometheus API response` };
  const envelope = parsed.data;
  if (envelope.status === 'error') return { kind: 'invalid', reason: `HTTP ${httpStatus}, ${envelope.errorType}: ${envelope.error}` };
  const data = envelope.data;
  switch (data.resultType) {
    case 'scalar':
      return fromSamples([{ text: data.result[1] }]);
    case 'vector':
      return fromSamples(data.result.map((series) => ({ text: series.value[1], metric: series.metric })));
    case 'string':
      return { kind: 'invalid', reason: 'the query returned a string; it must return a number' };
    case 'matrix':
      return { kind: 'invalid', reason: 'the query returned a range vector; use an instant vector (e.g. wrap it in rate() or sum())' };
  }
}

/** Prometheus sample values are strings; Go spells infinities `+Inf`/`-Inf`, which Number() does not read. */
export function parseSampleValue(text: string): number {
  if (text === '+Inf' || text === 'Inf') return Number.POSITIVE_INFINITY;
  if (text === '-Inf') return Number.NEGATIVE_INFINITY;
  const value = Number(text);
  return text.trim() === '' ? Number.NaN : value;
}

function fromSamples(samples: readonly { text: string; metric?: Record<string, string> }[]): PrometheusResult {
  if (samples.length === 0) return { kind: 'no-data', reason: 'the query returned an empty vector (no series matched)' };
  const numbers = samples.map((s) => ({ ...s, value: parseSampleValue(s.text) })).filter((s) => !Number.isNaN(s.value));
  if (numbers.length === 0) return { kind: 'no-data', reason: samples.length === 1 ? 'the query returned NaN' : `all ${samples.length} series are NaN` };
  const max = numbers.reduce((best, s) => (s.value > best.value ? s : best));
  if (samples.length === 1) return { kind: 'value', value: max.value, text: max.text };
  const labels = Object.entries(max.metric ?? {})
    .map(([k, v]) => `${k}="${v}"`)
    .join(',');
  return { kind: 'value', value: max.value, text: max.text, note: `the query returned ${samples.length} series; using the largest, {${labels}}` };
}
