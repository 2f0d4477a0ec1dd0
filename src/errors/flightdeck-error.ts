/**
 * Stable error codes. They cross queues and process boundaries as data, so code that decides what to do
 * with an error (retry, which run state, what the user reads) switches on `code`, never on `instanceof`.
 */
export type ErrorCode =
  | 'usage'
  | 'unknown-service'
  | 'unknown-environment'
  | 'environment-not-allowed'
  | 'invalid-version'
  | 'target-locked'
  | 'run-not-found'
  | 'item-not-found'
  | 'item-already-done'
  | 'item-not-tickable'
  | 'run-finished'
  | 'store-conflict'
  | 'config-invalid'
  | 'checklist-invalid'
  | 'k8s-forbidden'
  | 'k8s-not-found'
  | 'k8s-invalid'
  | 'k8s-conflict'
  | 'k8s-unavailable'
  | 'rollout-failed'
  | 'rollout-timeout'
  | 'slack-failed'
  | 'slack-rejected'
  | 'slack-trigger-expired'
  | 'slack-missing-scope'
  | 'slack-channel-not-found'
  | 'slack-not-in-channel'
  | 'pagerduty-unavailable'
  | 'pagerduty-rejected'
  | 'prometheus-failed'
  | 'redis-unavailable'
  | 'forbidden'
  | 'deploy-window-closed'
  | 'deploy-frozen'
  | 'lock-lost'
  | 'internal';

/** Codes whose cause is transient: the work is retried with backoff instead of failing the run. */
const RETRYABLE: ReadonlySet<ErrorCode> = new Set(['k8s-conflict', 'k8s-unavailable', 'store-conflict', 'slack-failed', 'pagerduty-unavailable']);

export interface FlightdeckErrorOptions {
  /** What the reader can do about it; shown under the message. */
  remedy?: string;
  cause?: unknown;
  /** The values the words were made from (who, which run, which item), for logs and callers that decide on them. */
  data?: Readonly<Record<string, unknown>>;
}

export class FlightdeckError extends Error {
  override readonly name = 'FlightdeckError';
  readonly code: ErrorCode;
  readonly remedy: string | undefined;
  readonly data: Readonly<Record<string, unknown>> | undefined;

  constructor(code: ErrorCode, message: string, options: FlightdeckErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.code = code;
    this.remedy = options.remedy;
    this.data = options.data;
  }

  get retryable(): boolean {
    return RETRYABLE.has(this.code);
  }
}

export function isRetryableCode(code: string): boolean {
  return RETRYABLE.has(code as ErrorCode);
}

export function isFlightdeckError(err: unknown): err is FlightdeckError {
  return err instanceof FlightdeckError;
}
