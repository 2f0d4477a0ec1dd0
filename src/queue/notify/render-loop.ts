import type { Logger } from '../../observability/create-logger.js';
import type { FlightdeckMetrics } from '../../observability/create-metrics.js';
import type { RedisClient } from '../../run/store/create-redis.js';
import type { RunStore } from '../../run/store/run-store.js';
import { RENDER_TURNS } from './channel-pacer.js';
import { RENDER_LEASE_MS, type RunRenderer } from './process-render.js';

/**
 * The longest a worker goes without looking at the render queue. Runs join it with a published wake, and a
 * worker that scored one for later looks again then, so this only bounds how late a render goes whose wake was
 * lost (a reconnect) or whose later moment another worker, since dead, set.
 */
export const RENDER_POLL_MS = 1_000;

export interface RenderLoopOptions {
  store: RunStore;
  /** A connection of the loop's own: it subscribes to the render queue's wakes. */
  subscriber: RedisClient;
  renderRun: RunRenderer;
  /** Renders under way at once in this process. */
  concurrency: number;
  logger: Logger;
  /** Where each render's wait past its due moment is observed, as the queue wait of queue `render`. */
  metrics?: FlightdeckMetrics;
}

export interface RenderLoop {
  /** Stops claiming runs (one claimed meanwhile is handed back) and waits for the renders under way to end. */
  close(): Promise<void>;
}

/**
 * Renders the runs of the render queue (RunKeys.renderQueue) in this worker process: claims due runs, up to
 * `concurrency` at once, when a write publishes a wake, when a render of its own is due again, when a slot frees
 * while more may be due, and at least every {@link RENDER_POLL_MS}. A run's whole render, its waits for a turn
 * included, is a few Redis commands on the run's own keys: no job is added, fetched, finished or delayed.
 */
export function startRenderLoop(options: RenderLoopOptions): RenderLoop {
  const { store, logger } = options;
  const running = new Set<Promise<void>>();
  let stopped = false;
  let claiming = false;
  let claimAgain = false;
  /** The last claim filled every free slot: more may be due, so a slot that frees claims again. */
  let saturated = false;
  let timer: NodeJS.Timeout | undefined;
  let timerAt = Number.POSITIVE_INFINITY;

  const wakeIn = (ms: number) => {
    const at = Date.now() + Math.min(Math.max(0, ms), RENDER_POLL_MS);
    if (stopped || at >= timerAt) return;
    clearTimeout(timer);
    timerAt = at;
    timer = setTimeout(() => {
      timerAt = Number.POSITIVE_INFINITY;
      void claim();
    }, at - Date.now());
  };

  const render = (runId: string) => {
    const done = options
      .renderRun(runId)
      .then((againInMs) => {
        if (againInMs !== undefined) wakeIn(againInMs);
      })
      // The claim lapses and the run comes back to whichever worker claims it then.
      .catch((err: unknown) => logger.error({ err, run: runId }, 'render failed; the run is rendered again once its claim lapses'))
      .finally(() => {
        running.delete(done);
        if (saturated) void claim();
      });
    running.add(done);
  };

  /** The claim in flight, if any: closing waits for it, so that what it claimed is handed back before the process exits. */
  let inFlight: Promise<void> = Promise.resolve();

  const claim = (): Promise<void> => {
    if (stopped) return inFlight;
    if (claiming) {
      claimAgain = true;
      return inFlight;
    }
    claiming = true;
    inFlight = claimWhileDue();
    return inFlight;
  };

  const claimWhileDue = async (): Promise<void> => {
    try {
      do {
        claimAgain = false;
        const free = options.concurrency - running.size;
        saturated = free <= 0;
        if (saturated) return;
        const { ids, waitedMs, nextInMs } = await store.renders.claimRenders(free, RENDER_LEASE_MS);
        for (const ms of waitedMs) options.metrics?.queueWait.observe({ queue: RENDER_TURNS }, Math.max(0, ms) / 1000);
        if (stopped) {
          // Claimed while closing: handed back due now (and the other workers woken) rather than left to lapse.
          await Promise.all(ids.map((id) => store.renders.askRender(id, true)));
          return;
        }
        for (const id of ids) render(id);
        saturated = ids.length === free;
        if (!saturated) wakeIn(nextInMs ?? RENDER_POLL_MS);
      } while (claimAgain && !stopped);
    } catch (err) {
      if (stopped) {
        // Closing: nothing claims again here; what this claim took lapses in RENDER_LEASE_MS for the other workers.
        logger.warn({ err }, 'could not claim or hand back renders while closing; their claims lapse for the other workers');
      } else {
        logger.error({ err }, 'could not claim renders; trying again');
        wakeIn(RENDER_POLL_MS);
      }
    } finally {
      claiming = false;
    }
  };

  const channel = store.renders.wakeChannel;
  options.subscriber.on('message', (from: string) => {
    if (from === channel) void claim();
  });
  // The client reconnects and subscribes again by itself; meanwhile the loop looks every second.
  options.subscriber.on('error', (err: unknown) => logger.debug({ err }, 'render wake subscription interrupted'));
  options.subscriber.subscribe(channel).catch((err: unknown) => logger.error({ err }, 'could not subscribe to render wakes; looking every second'));
  void claim();

  return {
    async close() {
      stopped = true;
      clearTimeout(timer);
      await inFlight;
      await Promise.allSettled([...running]);
      options.subscriber.disconnect();
    },
  };
}
