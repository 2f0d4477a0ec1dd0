import type { Run } from '../../src/run/core/run-schema.js';
import type { RunStore } from '../../src/run/store/run-store.js';
import { waitUntil } from './wait-until.js';

/** Polls the store until run `id` is in one of `states`; fails after `timeoutMs` (default 40 s) naming both. */
export function waitForRunState(store: RunStore, id: string, states: readonly string[], timeoutMs = 40_000): Promise<Run> {
  return waitUntil(`run ${id} to be ${states.join('/')}`, async () => {
    const run = await store.get(id);
    return run && states.includes(run.state) ? run : undefined;
  }, timeoutMs);
}
