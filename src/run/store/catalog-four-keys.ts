import type { FourKeys } from '../core/four-keys.js';
import { readFourKeys } from './read-four-keys.js';
import type { RunStore } from './run-store.js';

export interface ServiceEnvironment {
  service: string;
  environment: string;
}

export interface CatalogFourKeysOptions {
  /** Read again after this long even when no summary changed: days leave the range. Default 60 s. */
  maxAgeMs?: number;
  /** Service+environment pairs read at once; the event loop answers Slack between batches. Default 50. */
  batch?: number;
}

/** Reads the four keys of every catalog service+environment over its last `days` days. */
export interface CatalogFourKeys {
  (): Promise<readonly (ServiceEnvironment & { keys: FourKeys })[]>;
  readonly days: number;
}

/**
 * The four keys of every service+environment of the catalog, for `/metrics` and every Home tab: one reader per
 * process, so a scrape and a burst of Home renders after a run ended share one read. A call costs one Redis read
 * while no run's summary changed in the last `maxAgeMs`; otherwise the pairs are read a batch at a time, and
 * calls meanwhile share that read. Reading every pair's run documents at every scrape, on the event loop that
 * answers Slack, took 4 s with 6,000 catalog services and stalled that loop for up to a second.
 */
export function catalogFourKeys(
  store: Pick<RunStore, 'fourKeysRunsSince' | 'summariesVersion'>,
  pairs: readonly ServiceEnvironment[],
  now: () => number,
  days: number,
  options: CatalogFourKeysOptions = {},
): CatalogFourKeys {
  const maxAgeMs = options.maxAgeMs ?? 60_000;
  const batch = options.batch ?? 50;
  let last: { version: string; at: number; keys: readonly (ServiceEnvironment & { keys: FourKeys })[] } | undefined;
  let reading: Promise<readonly (ServiceEnvironment & { keys: FourKeys })[]> | undefined;

  const read = async () => {
    const version = await store.summariesVersion();
    const at = now();
    if (last !== undefined && last.version === version && at - last.at < maxAgeMs) return last.keys;
    const keys: (ServiceEnvironment & { keys: FourKeys })[] = [];
    for (let start = 0; start < pairs.length; start += batch) {
      const slice = pairs.slice(start, start + batch);
      keys.push(...(await Promise.all(slice.map(async (pair) => ({ ...pair, keys: await readFourKeys(store, pair.service, pair.environment, at, days) })))));
    }
    last = { version, at, keys };
    return keys;
  };

  const shared = () => {
    reading ??= read().finally(() => {
      reading = undefined;
    });
    return reading;
  };
  return Object.assign(shared, { days });
}
