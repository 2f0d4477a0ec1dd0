/**
 * Polls `probe` until it returns a value other than undefined, or fails after `timeoutMs`. A probe may throw
 * (an `expect` that does not hold yet): polling goes on, and on timeout that last error itself is rethrown,
 * its message prefixed with `what`, so the failure shows the assertion's own expected/received diff instead
 * of a bare "timed out". A probe that never settles (a Redis client stuck after a failover) does not hold the
 * wait past its deadline: it fails saying the last attempt had not answered.
 */
export async function waitUntil<T>(what: string, probe: () => Promise<T | undefined> | T | undefined, timeoutMs = 20_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  const timedOut = `Timed out after ${timeoutMs} ms waiting for ${what}`;
  let lastError: unknown;
  while (Date.now() < deadline) {
    try {
      const value = await beforeDeadline(probe, deadline, timedOut);
      if (value !== undefined) return value;
      lastError = undefined;
    } catch (err) {
      if (err instanceof ProbeHung) throw new Error(err.message);
      lastError = err;
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  if (lastError instanceof Error) {
    lastError.message = `${timedOut}; the last attempt failed: ${lastError.message}`;
    throw lastError;
  }
  throw new Error(lastError === undefined ? timedOut : `${timedOut}: ${String(lastError)}`);
}

class ProbeHung extends Error {}

async function beforeDeadline<T>(probe: () => Promise<T | undefined> | T | undefined, deadline: number, timedOut: string): Promise<T | undefined> {
  const attempt = Promise.resolve().then(probe);
  let timer: NodeJS.Timeout | undefined;
  const hung = new Promise<never>((_, reject) => {
    const startedAt = Date.now();
    timer = setTimeout(() => reject(new ProbeHung(`${timedOut}; the last attempt had not answered after ${Date.now() - startedAt} ms`)), Math.max(0, deadline - Date.now()));
  });
  // An attempt that settles after the deadline has nobody left to hear it.
  attempt.catch(() => {});
  try {
    return await Promise.race([attempt, hung]);
  } finally {
    clearTimeout(timer);
  }
}
