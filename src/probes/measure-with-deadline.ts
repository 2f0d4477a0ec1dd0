import type { Measurement, ProbeContext } from './probe-provider.js';
import { redactUrl } from './redact-url.js';

/** A measurement before it is stamped with its time. */
export type Verdict = Omit<Measurement, 'at'>;

class DeadlineExceeded extends Error {}

export interface MeasureOptions {
  /** Strings that must not reach the message (connection URLs with credentials); each is replaced by its redacted form. */
  redact?: readonly string[];
}

/**
 * Runs `work` with a signal that fires on `ctx.signal` or after `ctx.timeoutMs`, whichever comes first,
 * and stamps the verdict with `ctx.now()`. Never rejects: a throw, a timeout or a cancellation becomes
 * outcome `error` whose message starts with `what`. The race matters because some clients ignore the
 * signal while connecting; `work` must release its resources when the signal fires.
 */
export async function measureWithDeadline(
  ctx: ProbeContext,
  what: string,
  work: (signal: AbortSignal) => Promise<Verdict>,
  options: MeasureOptions = {},
): Promise<Measurement> {
  const controller = new AbortController();
  const onCancel = (): void => controller.abort(new Error('cancelled'));
  const timer = setTimeout(() => controller.abort(new DeadlineExceeded(`timed out after ${ctx.timeoutMs} ms`)), ctx.timeoutMs);
  if (ctx.signal.aborted) onCancel();
  else ctx.signal.addEventListener('abort', onCancel, { once: true });
  const aborted = new Promise<never>((_, reject) => {
    const fail = (): void => reject(controller.signal.reason);
    if (controller.signal.aborted) fail();
    else controller.signal.addEventListener('abort', fail, { once: true });
  });
  // The loser of the race must not surface as an unhandled rejection.
  aborted.catch(() => undefined);
  try {
    const verdict = await Promise.race([work(controller.signal), aborted]);
    return { ...verdict, at: ctx.now() };
  } catch (err) {
    const reason = controller.signal.aborted ? (controller.signal.reason as Error).message : describeFailure(err);
    // Client libraries sometimes quote the URL they were given, credentials and all.
    const message = (options.redact ?? []).reduce((text, secret) => text.replaceAll(secret, redactUrl(secret)), `${what}: ${reason}`);
    return { outcome: 'error', message, at: ctx.now() };
  } finally {
    clearTimeout(timer);
    ctx.signal.removeEventListener('abort', onCancel);
  }
}

const CODES: Readonly<Record<string, string>> = {
  ECONNREFUSED: 'connection refused',
  ECONNRESET: 'connection reset',
  ENOTFOUND: 'host not found',
  EAI_AGAIN: 'host lookup failed',
  EHOSTUNREACH: 'host unreachable',
  ENETUNREACH: 'network unreachable',
  ETIMEDOUT: 'connection timed out',
  EPIPE: 'connection closed',
};

/**
 * Short, credential-free text for a network or client error. Node's fetch hides the socket error in
 * `cause`, and a host with several addresses reports an AggregateError, so both are unwrapped.
 */
export function describeFailure(err: unknown): string {
  const code = findCode(err);
  if (code !== undefined) return CODES[code] ?? code.toLowerCase();
  if (err instanceof Error) return err.message;
  return String(err);
}

function findCode(err: unknown, depth = 0): string | undefined {
  if (typeof err !== 'object' || err === null || depth > 3) return undefined;
  const { code, cause, errors } = err as { code?: unknown; cause?: unknown; errors?: unknown };
  if (typeof code === 'string' && code.startsWith('E') && code === code.toUpperCase()) return code;
  if (Array.isArray(errors)) {
    for (const inner of errors) {
      const found = findCode(inner, depth + 1);
      if (found) return found;
    }
  }
  return findCode(cause, depth + 1);
}
