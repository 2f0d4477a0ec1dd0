/**
 * Polls `probe` until it returns a value other than undefined, or fails after `timeoutMs`. A probe may throw
 * (an `expect` that does not hold yet): polling goes on, and on timeout that last error itself is rethrown,
 * its message prefixed with `what`, so the failure shows the assertion's own expected/received diff instead
 * of a bare "timed out".
 */
export async function waitUntil<T>(what: string, probe: () => Promise<T | undefined> | T | undefined, timeoutMs = 20_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  while (Date.now() < deadline) {
    try {
      const value = await probe();
      if (value !== undefined) return value;
      lastError = undefined;
    } catch (err) {
      lastError = err;
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  const timedOut = `Timed out after ${timeoutMs} ms waiting for ${what}`;
  if (lastError instanceof Error) {
    lastError.message = `${timedOut}; the last attempt failed: ${lastError.message}`;
    throw lastError;
  }
  throw new Error(lastError === undefined ? timedOut : `${timedOut}: ${String(lastError)}`);
}
