/** `@slack/web-api`'s code for a call it refused to retry because Slack answered 429 (`rejectRateLimitedCalls`). */
const RATE_LIMITED_CODE = 'slack_webapi_rate_limited_error';
/** How deep wrapped causes are followed (FlightdeckError → WebAPIRateLimitedError). */
const MAX_DEPTH = 5;

/**
 * The ms Slack asked us to wait when `err` is, or wraps, a 429 answer; undefined for any other error.
 * Such a failure is Slack's pacing, not the job's: the job waits that long in its channel and spends no attempt.
 */
export function retryAfterOf(err: unknown): number | undefined {
  let current = err;
  for (let depth = 0; current && depth < MAX_DEPTH; depth++) {
    const { code, retryAfter } = current as { code?: unknown; retryAfter?: unknown };
    if (code === RATE_LIMITED_CODE) return typeof retryAfter === 'number' && retryAfter > 0 ? retryAfter * 1000 : 1000;
    current = (current as { cause?: unknown }).cause;
  }
  return undefined;
}
