import { type DoctorResult, failed, messageOf, ok } from './doctor-result.js';
import { moveCredentialsToHeader } from '../probes/move-credentials-to-header.js';
import { instantQueryUrl } from '../probes/prometheus-probe.js';
import { redactUrl } from '../probes/redact-url.js';

/**
 * One environment's Prometheus answers an instant query (`vector(1)`) on its HTTP API, the way the
 * prometheus probe will ask, through the same proxy (`send`). Never rejects.
 */
export async function checkPrometheus(environment: string, url: string, timeoutMs: number, send: typeof fetch = fetch): Promise<DoctorResult> {
  const name = `prometheus ${environment}`;
  const shown = redactUrl(url);
  try {
    const request = moveCredentialsToHeader(instantQueryUrl(url, 'vector(1)').toString(), { accept: 'application/json' });
    const response = await send(request.url, { headers: request.headers, signal: AbortSignal.timeout(timeoutMs) });
    const body = (await response.json().catch(() => undefined)) as { status?: unknown } | undefined;
    if (response.ok && body?.status === 'success') return ok(name, `${shown} answers queries`);
    return failed(name, `${shown} answered HTTP ${response.status}${body?.status ? ` (${String(body.status)})` : ''}`, `set environments.${environment}.prometheusUrl to the Prometheus base URL (its /api/v1/query must answer)`);
  } catch (err) {
    return failed(name, `${shown}: ${messageOf(err)}`, `check environments.${environment}.prometheusUrl and that this host can reach it`);
  }
}
