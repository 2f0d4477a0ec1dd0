const POLL_MS = 20;

/** Options of {@link waitFor}. */
export interface WaitForOptions {
  /** Default 2000 ms. */
  timeoutMs?: number | undefined;
  /** Names what was awaited in the timeout error. */
  description?: string | undefined;
  /** Summary of the watched state, appended to the timeout error. */
  state?: () => string;
}

/**
 * Polls `predicate` every 20 ms and resolves with its first truthy result. A throwing predicate counts
 * as "not yet" (state may be half-built); its last error is reported if time runs out.
 */
export function waitFor<T>(
  predicate: () => T | undefined | null | false,
  { timeoutMs = 2000, description, state }: WaitForOptions = {},
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  return new Promise<T>((resolve, reject) => {
    const tick = (): void => {
      try {
        const value = predicate();
        if (value) {
          resolve(value);
          return;
        }
      } catch (error) {
        lastError = error;
      }
      if (Date.now() >= deadline) {
        const parts = [`waitFor timed out after ${timeoutMs} ms: ${description ?? predicate.toString()}`];
        if (lastError !== undefined) parts.push(`last predicate error: ${String(lastError)}`);
        if (state) parts.push(`state: ${state()}`);
        reject(new Error(parts.join('\n')));
        return;
      }
      setTimeout(tick, POLL_MS);
    };
    tick();
  });
}
