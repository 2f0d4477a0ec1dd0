import { type DoctorResult, failed, messageOf, ok } from './doctor-result.js';
import { readBodyUpTo } from '../net/read-body-up-to.js';
import { moveCredentialsToHeader } from '../probes/move-credentials-to-header.js';
import { instantQueryUrl } from '../probes/prometheus-probe.js';
import { redactUrl } from '../probes/redact-url.js';

/** Prometheus answers vector(1) in about a hundred bytes; a longer body is something else (a proxy's page) and is not read on. */
const MAX_ANSWER_BYTES = 64 * 1024;

/**
 * One environment's Prometheus answers an instant query (`vector(1)`) on its HTTP API, the way the
 * prometheus probe will ask, through the same proxy (`send`). An answer past MAX_ANSWER_BYTES (64 KiB) is
 * not Prometheus'. Never rejects.
 */
export async function checkPrometheus(environment: string, url: string, timeoutMs: number, send: typeof fetch = fetch): Promise<DoctorResult> {
  const name = `prometheus ${environment}`;
  const shown = redactUrl(url);
  try {
    const request = moveCredentialsToHeader(instantQueryUrl(url, 'vector(1)').toString(), { accept: 'application/json' });
    const response = await send(request.url, { headers: request.headers, signal: AbortSignal.timeout(timeoutMs) });
    const answer = await readBodyUpTo(response.body, MAX_ANSWER_BYTES);
    const status = answer.truncated ? undefined : statusOf(answer.text);
    if (response.ok && status === 'success') return ok(name, `${shown} answers queries`);
    const said = answer.truncated ? `, more than ${MAX_ANSWER_BYTES / 1024} KiB, which is no answer to vector(1)` : status ? ` (${String(status)})` : '';
    return failed(name, `${shown} answered HTTP ${response.status}${said}`, `set environments.${environment}.prometheusUrl to the Prometheus base URL (its /api/v1/query must answer)`);
  } catch (err) {
    return failed(name, `${shown}: ${messageOf(err)}`, `check environments.${environment}.prometheusUrl and that this host can reach it`);
  }
}

/** The `status` of a Prometheus API envelope, or undefined when `text` is not one. */
function statusOf(text: string): unknown {
  try {
    return (JSON.parse(text) as { status?: unknown } | null)?.status;
  } catch {
    return undefined;
  }
}
