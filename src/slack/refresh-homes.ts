import type { Logger } from '../observability/create-logger.js';
import type { RunStore } from '../run/store/run-store.js';

/** Home tabs opened within this long are kept current as runs change; older ones refresh when next opened. */
export const HOME_VIEWERS_KEEP_MS = 86_400_000;
/** A person's Home tab is re-rendered at most once in this long however many runs change, as channel writes are paced. */
const HOME_REFRESH_GAP_MS = 3000;

/** Stops the refreshes still waiting for their turn. */
export interface HomeRefresher {
  close(): void;
}

/**
 * Makes every change `store.update` writes re-render the Home tab of each recent viewer, at most once per
 * HOME_REFRESH_GAP_MS each: the first change starts the wait and the render after it shows every change made
 * meanwhile. Only the writer whose compare-and-set won sees `changed`, so each change is seen by one process.
 */
export function refreshHomesOnRunChanges(store: RunStore, publish: (userId: string) => Promise<void>, now: () => number, logger: Logger): HomeRefresher {
  const due = new Map<string, NodeJS.Timeout>();
  const schedule = (userId: string) => {
    if (due.has(userId)) return;
    const timer = setTimeout(() => {
      due.delete(userId);
      publish(userId).catch((err: unknown) => logger.warn({ err, user: userId }, 'home could not be refreshed'));
    }, HOME_REFRESH_GAP_MS);
    // A refresh must not hold the process open at shutdown: the next open renders it anyway.
    timer.unref();
    due.set(userId, timer);
  };
  const update = store.update.bind(store);
  store.update = async (id, change, options) => {
    const result = await update(id, change, options);
    if (result.changed) {
      store
        .homeViewers(now() - HOME_VIEWERS_KEEP_MS)
        .then((viewers) => viewers.forEach(schedule))
        .catch((err: unknown) => logger.warn({ err }, 'home viewers could not be read'));
    }
    return result;
  };
  return {
    close() {
      for (const timer of due.values()) clearTimeout(timer);
      due.clear();
    },
  };
}
