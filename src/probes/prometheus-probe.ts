import { readBodyUpTo } from '../net/read-body-up-to.js';
import { measureWithDeadline, type Verdict } from './measure-with-deadline.js';
import type { ProbeProvider } from './probe-provider.js';
import type { PrometheusProbeSpec } from './probe-types.js';
import { readPrometheusResult } from './read-prometheus-result.js';
import { moveCredentialsToHeader } from './move-credentials-to-header.js';
import { redactUrl } from './redact-url.js';

/**
 * Far more than a guard's instant query answers (a vector of thousands of series fits in a fraction of it). Past it
 * nothing more is read: a cut JSON document cannot be read either, so the answer is an error.
 */
const MAX_ANSWER_BYTES = 8 * 1024 * 1024;

/** The instant-query URL under a base URL that may carry a path prefix (`--web.route-prefix`). */
export function instantQueryUrl(baseUrl: string, query: string): URL {
  const base = baseUrl.endsWith('/') ? baseUrl : `${baseUrl}/`;
  const url = new URL('api/v1/query', base);
  url.searchParams.set('query', query);
  return url;
}

/**
 * Runs an instant query with GET `/api/v1/query` against `spec.url` or else `ctx.prometheusUrl`. The value
 * is the sample (the largest when several series match). `failed` when it is beyond the threshold
 * (`above`: greater than; `below`: less than); `inconclusive` for an empty vector or NaN; `error` when no
 * URL is known, Prometheus is unreachable, answers with an error (its errorType is quoted) or answers more than
 * MAX_ANSWER_BYTES (8 MiB). `send` is the fetch to use: createProxyFetch's when HTTPS_PROXY or HTTP_PROXY is set.
 */
export function createPrometheusProbe(send: typeof fetch): ProbeProvider<PrometheusProbeSpec> {
  return {
  type: 'prometheus',
  measure(spec, ctx) {
    const baseUrl = spec.url ?? ctx.prometheusUrl;
    const target = `prometheus ${baseUrl === undefined ? '' : `${redactUrl(baseUrl)} `}query ${spec.query}`;
    return measureWithDeadline(ctx, target, async (signal): Promise<Verdict> => {
      if (baseUrl === undefined) {
        return { outcome: 'error', message: `${target}: no Prometheus URL; set one on the probe or for the environment` };
      }
      const { url, headers } = moveCredentialsToHeader(instantQueryUrl(baseUrl, spec.query).toString(), { accept: 'application/json' });
      const response = await send(url, { headers, signal });
      const answer = await readBodyUpTo(response.body, MAX_ANSWER_BYTES);
      if (answer.truncated) {
        return { outcome: 'error', message: `${target}: answered more than ${MAX_ANSWER_BYTES / 1024 / 1024} MiB (HTTP ${response.status}); narrow the query` };
      }
      const result = readPrometheusResult(response.status, answer.text);
      if (result.kind === 'invalid') return { outcome: 'error', message: `${target}: ${result.reason}` };
      if (result.kind === 'no-data') return { outcome: 'inconclusive', message: `${target}: ${result.reason}` };
      const note = result.note === undefined ? '' : ` (${result.note})`;
      if (spec.above !== undefined) {
        const bad = result.value > spec.above;
        return verdict(bad, result.text, `${target} = ${result.text}, ${bad ? 'above' : 'not above'} the limit ${spec.above}${note}`, result.value);
      }
      const below = spec.below as number;
      const bad = result.value < below;
      return verdict(bad, result.text, `${target} = ${result.text}, ${bad ? 'below' : 'not below'} the limit ${below}${note}`, result.value);
    }, { redact: baseUrl === undefined ? [] : [baseUrl] });
  },
};
}

/** The probe over Node's fetch, direct: what runs when no proxy is configured. */
export const prometheusProbe = createPrometheusProbe(fetch);

function verdict(bad: boolean, text: string, message: string, value: number): Verdict {
  // Infinities do not survive JSON, so they are kept as Prometheus spells them.
  return { outcome: bad ? 'failed' : 'successful', value: Number.isFinite(value) ? value : text, message };
}
