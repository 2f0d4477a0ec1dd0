import { Writable } from 'node:stream';
import type { Job } from 'bullmq';
import type { Redis } from 'ioredis';
import { beforeEach, describe, expect, it } from 'vitest';
import { createLogger } from '../../src/observability/create-logger.js';
import { createRenderJobProcessor } from '../../src/queue/notify/process-render.js';
import { startRenderLoop } from '../../src/queue/notify/render-loop.js';
import { transition, type RunEvent } from '../../src/run/core/transition.js';
import { runKeys } from '../../src/run/store/run-keys.js';
import type { RunStore } from '../../src/run/store/run-store.js';
import { createStoredRun } from '../support/create-stored-run.js';
import { useStoreWithQueues } from '../support/store-with-queues.js';
import { waitUntil } from '../support/wait-until.js';

/*
 * The render queue: a run joins it with the write that makes its message behind (once, however often it changes),
 * a worker claims it for a lease, and it leaves once its message shows it. A change while it renders brings it back
 * at once; a claim whose worker died lapses.
 */

const START: RunEvent = { type: 'start', actor: 'U0ALICE' };
const PAUSE: RunEvent = { type: 'pause', actor: 'U0ALICE', reason: 'lunch' };

const world = useStoreWithQueues('it-render-queue');
let redis: Redis;
let prefix: string;
let store: RunStore;

beforeEach(() => {
  ({ redis, prefix, store } = world());
});

const queueKey = () => runKeys(prefix).renderQueue;
const scoreOf = async (id: string) => {
  const score = await redis.zscore(queueKey(), id);
  return score === null ? undefined : Number(score);
};
const change = async (id: string, event: RunEvent) => (await store.update(id, (run) => transition(run, event, Date.now()))).run;

/** Records the message as showing the run at `seq`, as a render holding the lock does. */
async function show(id: string, owner: string): Promise<void> {
  const read = await store.renders.readForRender(id);
  expect(await store.renders.setRenderedSeq(id, read!.run.seq, read!.readAt, owner)).toBe(read!.run.seq);
}

describe('the render queue', () => {
  it('is joined by the write that makes a message behind, once however often the run changes, with a wake', async () => {
    const subscriber = redis.duplicate();
    const woken: string[] = [];
    subscriber.on('message', (_channel: string, id: string) => woken.push(id));
    await subscriber.subscribe(store.renders.wakeChannel);
    try {
      const run = await createStoredRun(store, 'api', 'C1');
      const joined = await scoreOf(run.id);
      expect(joined).toBeDefined();
      await change(run.id, START);
      await change(run.id, PAUSE);
      expect(await scoreOf(run.id)).toBe(joined);
      // Published after every write above, so it arrives after any wake they sent.
      await redis.publish(store.renders.wakeChannel, 'end');
      await waitUntil('every wake to arrive', async () => (woken.includes('end') ? true : undefined));
      expect(woken).toEqual([run.id, 'end']);
    } finally {
      subscriber.disconnect();
    }
  });

  it('gives a due run to one claim for its lease, and queues it again at once when it changed while it rendered', async () => {
    const run = await createStoredRun(store, 'api', 'C1');
    const claimed = await store.renders.claimRenders(10, 60_000);
    expect(claimed.ids).toEqual([run.id]);
    expect(await scoreOf(run.id)).toBeGreaterThan(Date.now() + 50_000);
    expect((await store.renders.claimRenders(10, 60_000)).ids).toEqual([]);

    expect(await store.renders.holdRenderLock(run.id, 'render-a', 4_000, 60_000)).toBe(true);
    await show(run.id, 'render-a');
    // A change while it renders finds the run in the queue and asks for nothing more...
    await change(run.id, START);
    expect(await scoreOf(run.id)).toBeGreaterThan(Date.now() + 50_000);
    // ...and the render's end finds the run still behind: due again now, and the lock given back.
    expect(await store.renders.finishRender(run.id, 'render-a')).toBe(true);
    expect(await scoreOf(run.id)).toBeLessThanOrEqual(Date.now());
    expect(await store.renders.renderLockHeld(run.id)).toBe(false);

    expect((await store.renders.claimRenders(10, 60_000)).ids).toEqual([run.id]);
    expect(await store.renders.holdRenderLock(run.id, 'render-b', 4_000, 60_000)).toBe(true);
    await show(run.id, 'render-b');
    expect(await store.renders.finishRender(run.id, 'render-b')).toBe(false);
    expect(await scoreOf(run.id)).toBeUndefined();
  });

  it('keeps a run waiting for its turn at that turn with its mark, and says when the next run is due', async () => {
    const run = await createStoredRun(store, 'api', 'C1');
    await store.renders.claimRenders(10, 60_000);
    await store.renders.finishRender(run.id, 'render-a', { afterMs: 30_000, waiting: `ahead:${run.id}` });
    expect(await store.renders.waitingMark(run.id)).toBe(`ahead:${run.id}`);
    const claim = await store.renders.claimRenders(10, 60_000);
    expect(claim.ids).toEqual([]);
    expect(claim.nextInMs).toBeGreaterThan(25_000);
    expect(claim.nextInMs).toBeLessThanOrEqual(30_000);
    // A wait that names no mark (a lock held by another render) leaves the mark as it is.
    await store.renders.finishRender(run.id, 'render-b', { afterMs: 250 });
    expect(await store.renders.waitingMark(run.id)).toBe(`ahead:${run.id}`);
  });

  it('gives a run back once the claim of a worker that died lapses', async () => {
    const run = await createStoredRun(store, 'api', 'C1');
    expect((await store.renders.claimRenders(10, 100)).ids).toEqual([run.id]);
    const again = await waitUntil('the claim to lapse', async () => {
      const { ids } = await store.renders.claimRenders(10, 60_000);
      return ids.length > 0 ? ids : undefined;
    });
    expect(again).toEqual([run.id]);
  });

  it('takes back a run a worker claimed while it was closing, due at once rather than when the claim lapses', async () => {
    const run = await createStoredRun(store, 'api', 'C1');
    const rendered: string[] = [];
    const subscriber = redis.duplicate();
    const loop = startRenderLoop({ store, subscriber, renderRun: async (id) => void rendered.push(id), concurrency: 4, logger: createLogger('silent') });
    // Closed in the same turn as it started: its first claim is still on its way to Redis.
    await loop.close();
    const closedAt = Date.now();
    // Due by the time close() resolves, not 5 s on when the claim's lease would lapse.
    expect(await scoreOf(run.id)).toBeLessThanOrEqual(closedAt);
    expect(rendered).toEqual([]);
    expect((await store.renders.claimRenders(10, 60_000)).ids).toEqual([run.id]);
  });

  it('says, when it cannot hand back a run it claimed while closing, that the claim lapses rather than that it tries again', async () => {
    const run = await createStoredRun(store, 'api', 'C1');
    const lines: string[] = [];
    const sink = new Writable({
      write(chunk: Buffer, _encoding, done) {
        lines.push(chunk.toString());
        done();
      },
    });
    // The store as it is, but the hand-back fails, as it does when Redis goes away just then.
    const renders = Object.create(store.renders, { askRender: { value: () => Promise.reject(new Error('Connection is closed.')) } });
    const failing = Object.create(store, { renders: { value: renders } }) as RunStore;
    const loop = startRenderLoop({ store: failing, subscriber: redis.duplicate(), renderRun: async () => undefined, concurrency: 4, logger: createLogger('info', sink) });
    await loop.close();
    const logged = lines.map((line) => JSON.parse(line) as { msg: string });
    expect(logged.map((line) => line.msg)).toEqual(['could not claim or hand back renders while closing; their claims lapse for the other workers']);
    // Still claimed, as the log says: back once the lease lapses, not at once.
    expect(await scoreOf(run.id)).toBeGreaterThan(Date.now());
  });

  it('lets a run that no longer exists leave the queue and the render-due index', async () => {
    const run = await createStoredRun(store, 'api', 'C1');
    await store.renders.claimRenders(10, 60_000);
    await redis.del(runKeys(prefix).run(run.id));
    expect(await store.renders.finishRender(run.id, 'render-a')).toBe(false);
    expect(await scoreOf(run.id)).toBeUndefined();
    expect((await store.renders.renderDue()).due).toEqual([]);
  });

  it('asks for a late render by bringing a waiting run forward, and an older version’s render job asks the same', async () => {
    const run = await createStoredRun(store, 'api', 'C1');
    await store.renders.finishRender(run.id, 'render-a', { afterMs: 60_000, waiting: run.id });
    await store.renders.askRender(run.id);
    expect(await scoreOf(run.id)).toBeGreaterThan(Date.now() + 50_000);
    await createRenderJobProcessor(store)({ data: { runId: run.id, seq: run.seq, late: true } } as Job);
    expect(await scoreOf(run.id)).toBeLessThanOrEqual(Date.now());
    // A run that left the queue joins it again when asked.
    await redis.zrem(queueKey(), run.id);
    await createRenderJobProcessor(store)({ data: { runId: run.id, seq: run.seq } } as Job);
    expect(await scoreOf(run.id)).toBeLessThanOrEqual(Date.now());
  });
});
