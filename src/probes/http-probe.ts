import type { ConnectToRule } from '../config/connect-to-rules.js';
import { readBodyUpTo } from '../net/read-body-up-to.js';
import { connectUrl } from './connect-url.js';
import { measureWithDeadline, type Verdict } from './measure-with-deadline.js';
import { moveCredentialsToHeader } from './move-credentials-to-header.js';
import type { ProbeProvider } from './probe-provider.js';
import type { HttpProbeSpec } from './probe-types.js';
import { readJsonPath } from './read-json-path.js';
import { redactUrl } from './redact-url.js';

/** Bodies past this many bytes are cut before matching, the rest never read; health endpoints answer in bytes, not megabytes. */
const MAX_BODY_BYTES = 1_000_000;
const CUT = MAX_BODY_BYTES.toLocaleString('en-US');

/**
 * Requests `spec.url` with Node's fetch (redirects followed), connecting where the first matching
 * `connectTo` rule says (PROBE_CONNECT_TO); messages still name the URL as written. The value is the HTTP status; the message
 * names the status and latency. Checks read the body's first MAX_BODY_BYTES only. `failed` when the status,
 * latency, body or JSON path check does not hold; `error` when there is no answer, it times out, or `jsonPath`
 * is set and the body is not JSON or is longer than MAX_BODY_BYTES.
 */
export function createHttpProbe(connectTo: readonly ConnectToRule[]): ProbeProvider<HttpProbeSpec> {
  return {
  type: 'http',
  measure(spec, ctx) {
    const target = `${spec.method} ${redactUrl(spec.url)}`;
    return measureWithDeadline(ctx, target, async (signal): Promise<Verdict> => {
      const started = ctx.now();
      const { url, headers } = moveCredentialsToHeader(connectUrl(spec.url, connectTo), spec.headers ?? {});
      const response = await fetch(url, { method: spec.method, headers, signal });
      const { text: body, truncated } = await readBodyUpTo(response.body, MAX_BODY_BYTES);
      const latencyMs = Math.max(0, Math.round(ctx.now() - started));
      const seen = `${target} answered ${response.status} in ${latencyMs} ms`;
      const fail = (why: string): Verdict => ({ outcome: 'failed', value: response.status, message: `${seen}; ${why}` });

      const expected = Array.isArray(spec.expectStatus) ? spec.expectStatus : [spec.expectStatus];
      if (!expected.includes(response.status)) return fail(`expected ${expected.join(' or ')}`);
      if (spec.maxLatencyMs !== undefined && latencyMs > spec.maxLatencyMs) return fail(`slower than the ${spec.maxLatencyMs} ms limit`);
      if (spec.bodyContains !== undefined && !body.includes(spec.bodyContains)) {
        return fail(`${truncated ? `the body's first ${CUT} bytes do` : 'the body does'} not contain ${JSON.stringify(spec.bodyContains)}`);
      }
      if (spec.jsonPath !== undefined) {
        // A cut document would read as "not JSON", which sends people looking for the wrong fault.
        if (truncated) return { outcome: 'error', value: response.status, message: `${seen}, but the body is longer than ${CUT} bytes, so ${spec.jsonPath} cannot be read` };
        let document: unknown;
        try {
          document = JSON.parse(body);
        } catch {
          return { outcome: 'error', value: response.status, message: `${seen}, but the body is not JSON, so ${spec.jsonPath} cannot be read` };
        }
        const read = readJsonPath(document, spec.jsonPath);
        if (!read.found) return fail(`${spec.jsonPath} is missing`);
        if (spec.equals !== undefined && read.value !== spec.equals) {
          return fail(`${spec.jsonPath} is ${JSON.stringify(read.value)}, expected ${JSON.stringify(spec.equals)}`);
        }
      }
      return { outcome: 'successful', value: response.status, message: seen };
    }, { redact: [spec.url] });
  },
};
}
