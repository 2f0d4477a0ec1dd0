import { performance } from 'node:perf_hooks';

/** The longest event-loop delay since the last read. */
export interface EventLoopDelay {
  /** The longest delay since the previous call (or the start), in seconds, counting a delay still under way; starts afresh. */
  takeMax(): number;
}

/**
 * Samples the event loop every `sampleMs` with a timer that does not keep the process alive: how late each tick
 * comes is how long the loop was held. Node's monitorEventLoopDelay loses the first delay after a reset (its first
 * tick only sets its starting point), so a stall that began right after a scrape would go unseen; this does not.
 */
export function trackEventLoopDelay(sampleMs: number): EventLoopDelay {
  let last = performance.now();
  let worst = 0;
  setInterval(() => {
    const now = performance.now();
    worst = Math.max(worst, now - last - sampleMs);
    last = now;
  }, sampleMs).unref();
  return {
    takeMax() {
      const max = Math.max(worst, performance.now() - last - sampleMs, 0);
      worst = 0;
      return max / 1000;
    },
  };
}
