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
 * HOME_REFRESH_GAP_MS: the first change starts the wait, and after it the viewers are read and each Home
 * rendered, showing every change made meanwhile. The viewers are read once per wait, not once per change (six
 * reads per run before), and after every change the wait covers, so a Home opened meanwhile is refreshed too.
 * Only the writer whose compare-and-set won sees `changed`, so each change is seen by one process.
 */
export function refreshHomesOnRunChanges(store: RunStore, publish: (userId: string) => Promise<void>, now: () => number, logger: Logger): HomeRefresher {
  let due: NodeJS.Timeout | undefined;
  let closed = false;
  const refresh = async () => {
    due = undefined;
    const viewers = await store.homeViewers(now() - HOME_VIEWERS_KEEP_MS);
    await Promise.all(viewers.map((userId) => publish(userId).catch((err: unknown) => logger.warn({ err, user: userId }, 'home could not be refreshed'))));
  };
  const update = store.update.bind(store);
  store.update = async (id, change, options) => {
    const result = await update(id, change, options);
    // Once closed (shutting down) no wait starts: the stores it would read are closing, and the next open renders.
    if (result.changed && due === undefined && !closed) {
      due = setTimeout(() => void refresh().catch((err: unknown) => logger.warn({ err }, 'home viewers could not be read')), HOME_REFRESH_GAP_MS);
      // A refresh must not hold the process open at shutdown: the next open renders it anyway.
      due.unref();
    }
    return result;
  };
  return {
    close() {
      closed = true;
      clearTimeout(due);
      due = undefined;
    },
  };
}
