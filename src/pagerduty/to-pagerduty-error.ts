import { FlightdeckError } from '../errors/flightdeck-error.js';
import { eventErrorSchema, restErrorSchema } from './pagerduty-schemas.js';

export type PagerDutySurface = 'events' | 'rest';

const RETRY_REMEDY = 'flightdeck retries with backoff; if this persists, check status.pagerduty.com and the network path to PagerDuty.';

/** PagerDuty's own words from an error body, whichever API sent it; empty when the body says nothing usable. */
function describeBody(surface: PagerDutySurface, body: unknown): string {
  if (surface === 'events') {
    const parsed = eventErrorSchema.safeParse(body);
    if (!parsed.success) return '';
    const parts = parsed.data.errors?.length ? parsed.data.errors : [parsed.data.message ?? parsed.data.status ?? ''];
    return parts.filter((p) => p !== '').join('; ');
  }
  const parsed = restErrorSchema.safeParse(body);
  if (!parsed.success) return '';
  const { message, errors } = parsed.data.error;
  return [message, ...(errors ?? [])].filter((p): p is string => !!p).join('; ');
}

function rejectedRemedy(surface: PagerDutySurface, status: number): string {
  if (surface === 'rest' && (status === 401 || status === 403)) {
    return 'Check the PagerDuty REST API token (it needs read access to on-calls and users).';
  }
  if (surface === 'events') return "Check the service's PagerDuty routing (integration) key; resending the same event will not help.";
  return 'Check the escalation policy id in the catalog; resending the same request will not help.';
}

/**
 * Maps a PagerDuty answer that was not a success to a coded error: 408, 429 and 5xx are `pagerduty-unavailable`
 * (retryable); every other status is `pagerduty-rejected` (permanent), with PagerDuty's own reason in the message.
 * Never includes the routing key or token.
 *
 * @param action What was attempted, e.g. `trigger event for flightdeck/run-1/error-rate`.
 */
export function errorFromStatus(surface: PagerDutySurface, action: string, status: number, body: unknown): FlightdeckError {
  const reason = describeBody(surface, body);
  const detail = reason ? `: ${reason}` : '';
  if (status === 408 || status === 429 || status >= 500) {
    const why = status === 429 ? 'rate-limited the request' : `answered ${status}`;
    return new FlightdeckError('pagerduty-unavailable', `PagerDuty ${why} for the ${action}${detail}`, { remedy: RETRY_REMEDY });
  }
  return new FlightdeckError('pagerduty-rejected', `PagerDuty rejected the ${action} (${status})${detail}`, {
    remedy: rejectedRemedy(surface, status),
  });
}

function isResponseLike(err: unknown): err is { status: number } {
  return typeof err === 'object' && err !== null && typeof (err as { status?: unknown }).status === 'number';
}

/**
 * Maps a rejected pdjs call to a coded error. pdjs rejects on network failures and aborts (node-fetch
 * `FetchError`/`AbortError`), on a non-JSON body in an event response (`FetchError` type `invalid-json`) and, for
 * REST calls, with the Response itself when its body is not JSON. All of these say nothing against the request
 * itself, so they are `pagerduty-unavailable`, except a non-JSON 4xx, which is judged by its status.
 *
 * @param timeoutMs The deadline that aborted the call, named in the message when it was the cause.
 */
export function errorFromRejection(surface: PagerDutySurface, action: string, err: unknown, timeoutMs: number): FlightdeckError {
  if (err instanceof FlightdeckError) return err;
  if (isResponseLike(err)) {
    if (err.status >= 200 && err.status < 300) {
      return new FlightdeckError('pagerduty-unavailable', `PagerDuty answered the ${action} with a body that is not JSON`, { remedy: RETRY_REMEDY, cause: err });
    }
    return errorFromStatus(surface, action, err.status, undefined);
  }
  const name = (err as { name?: unknown })?.name;
  if (name === 'AbortError' || name === 'TimeoutError') {
    return new FlightdeckError('pagerduty-unavailable', `PagerDuty did not answer the ${action} within ${timeoutMs} ms`, { remedy: RETRY_REMEDY, cause: err });
  }
  const type = (err as { type?: unknown })?.type;
  if (type === 'invalid-json') {
    return new FlightdeckError('pagerduty-unavailable', `PagerDuty answered the ${action} with a body that is not JSON`, { remedy: RETRY_REMEDY, cause: err });
  }
  const code = (err as { code?: unknown })?.code;
  const reason = typeof code === 'string' ? code : err instanceof Error ? err.message : String(err);
  return new FlightdeckError('pagerduty-unavailable', `PagerDuty could not be reached for the ${action} (${reason})`, { remedy: RETRY_REMEDY, cause: err });
}
