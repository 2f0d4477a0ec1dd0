import { computeFourKeys, type FourKeys } from '../core/four-keys.js';
import type { RunStore } from './run-store.js';

const DAY_MS = 86_400_000;

/**
 * The most runs of one service+environment read for the keys: a bound on what one command or scrape costs
 * (22 a day over the 90 days /deploy stats reaches at most); past it the oldest runs of the range are left out.
 */
const MAX_RUNS = 2000;

/**
 * The four keys of a service+environment over the `days` days before `now`, from the runs' history summaries,
 * which outlive their documents (RUN_RETENTION_DAYS). Runs created up to `now` are read, so a rollback started
 * after a deploy of the range is there to restore it.
 */
export async function readFourKeys(
  store: Pick<RunStore, 'fourKeysRunsSince'>,
  service: string,
  environment: string,
  now: number,
  days: number,
): Promise<FourKeys> {
  const range = { from: now - days * DAY_MS, to: now };
  return computeFourKeys(await store.fourKeysRunsSince(service, environment, range.from, MAX_RUNS), range);
}
