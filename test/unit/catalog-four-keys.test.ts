import { describe, expect, it } from 'vitest';
import type { FourKeysRun } from '../../src/run/core/four-keys.js';
import { catalogFourKeys } from '../../src/run/store/catalog-four-keys.js';

const DAY = 86_400_000;

/** A store of fixed runs per service whose summaries version the test moves; it counts the reads. */
function countingStore(runs: Record<string, FourKeysRun[]>) {
  const state = { version: '1', reads: [] as string[], inFlight: 0, mostInFlight: 0 };
  return {
    state,
    store: {
      async summariesVersion() {
        return state.version;
      },
      async fourKeysRunsSince(service: string) {
        state.reads.push(service);
        state.inFlight += 1;
        state.mostInFlight = Math.max(state.mostInFlight, state.inFlight);
        await new Promise((resolve) => setImmediate(resolve));
        state.inFlight -= 1;
        return runs[service] ?? [];
      },
    },
  };
}

const deployed = (id: string, at: number): FourKeysRun => ({ id, kind: 'deploy', state: 'succeeded', createdAt: at, endedAt: at + 1000, changedCluster: true });

describe('catalogFourKeys', () => {
  it('reads again only when a summary changed or the last read is older than its bound', async () => {
    let clock = 100 * DAY;
    const { store, state } = countingStore({ api: [deployed('1', clock - DAY)] });
    const read = catalogFourKeys(store, [{ service: 'api', environment: 'production' }, { service: 'web', environment: 'production' }], () => clock, 30, { maxAgeMs: 60_000 });

    const first = await read();
    expect(first.map(({ service, keys }) => [service, keys.deployments])).toEqual([['api', 1], ['web', 0]]);
    expect(state.reads).toEqual(['api', 'web']);

    clock += 59_000;
    expect(await read()).toBe(first);
    expect(state.reads).toHaveLength(2);

    state.version = '2';
    await read();
    expect(state.reads).toHaveLength(4);

    clock += 60_000;
    await read();
    expect(state.reads).toHaveLength(6);
  });

  it('shares one read between callers that overlap (scrapes, Home renders), and reads a batch of pairs at a time', async () => {
    const { store, state } = countingStore({});
    const pairs = Array.from({ length: 7 }, (_, i) => ({ service: `s${i}`, environment: 'production' }));
    const read = catalogFourKeys(store, pairs, () => 0, 30, { batch: 3 });
    expect(read.days).toBe(30);
    const [a, b] = await Promise.all([read(), read()]);
    expect(a).toBe(b);
    expect(a).toHaveLength(7);
    expect(state.reads).toHaveLength(7);
    expect(state.mostInFlight).toBe(3);
  });
});
