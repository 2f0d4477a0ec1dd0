import { randomUUID } from 'node:crypto';
import type { Redis } from 'ioredis';
import { beforeEach, describe, expect, it } from 'vitest';
import { createLogger } from '../../src/observability/create-logger.js';
import type { Queues } from '../../src/queue/engine/create-queues.js';
import { reconcileRuns } from '../../src/queue/engine/reconcile-runs.js';
import { RunEngine, type RenderAsk } from '../../src/queue/engine/run-engine.js';
import type { Effect } from '../../src/run/core/run-event.js';
import type { Run } from '../../src/run/core/run-schema.js';
import type { RunStore } from '../../src/run/store/run-store.js';
import { runKeys } from '../../src/run/store/run-keys.js';
import { createStoredRun } from '../support/create-stored-run.js';
import { useStoreWithQueues } from '../support/store-with-queues.js';
import { waitUntil } from '../support/wait-until.js';

/*
 * The renders a reconcile pass asks for: one for a message behind its run whose render left the render queue, one
 * brought forward (to go ahead of the channel's line) for a message behind past the bound, and none where a render
 * is still coming or under way, since it would only wait behind it (or, ahead of the line, push the channel back).
 */

const logger = createLogger('silent');

const world = useStoreWithQueues('it-reconcile-renders');
let redis: Redis;
let prefix: string;
let store: RunStore;
let queues: Queues;

beforeEach(() => {
  ({ redis, prefix, store, queues } = world());
});

const options = (messageLagBoundMs: number) => ({ redis, keyPrefix: prefix, messageLagBoundMs });
const queueKey = () => runKeys(prefix).renderQueue;
/** How long until the run's render is due in the render queue, ms (not above 0 when due). */
const dueIn = async (id: string) => Number(await redis.zscore(queueKey(), id)) - Date.now();

/** Waits until every message behind its run has trailed it past `boundMs`. */
async function pastTheBound(boundMs: number): Promise<void> {
  await waitUntil('the messages to trail their runs past the bound', async () => {
    const { now, due } = await store.renders.renderDue();
    return due.length > 0 && due.every((d) => now - d.since > boundMs) ? true : undefined;
  });
}

/** Records the message as showing the run, as a render that wrote it does. */
async function showMessage(run: Run): Promise<void> {
  const owner = randomUUID();
  await store.renders.holdRenderLock(run.id, owner, 10_000);
  const read = await store.renders.readForRender(run.id);
  await store.renders.setRenderedSeq(run.id, run.seq, read!.readAt, owner);
  await store.renders.finishRender(run.id, owner);
}

describe('the renders a reconcile pass asks for', () => {
  it('puts a run whose render was lost back in the render queue, and leaves one waiting for its turn where it is', async () => {
    const waiting = await createStoredRun(store, 'api', 'C1');
    const lost = await createStoredRun(store, 'web', 'C1');
    // The render of `waiting` waits for its turn in the channel's line; `lost` left the queue with nothing shown.
    await redis.zadd(queueKey(), 'XX', Date.now() + 60_000, waiting.id);
    await redis.zrem(queueKey(), lost.id);

    await reconcileRuns(store, new RunEngine({ store, queues, now: Date.now, logger }), logger, options(60_000));

    expect(await dueIn(waiting.id)).toBeGreaterThan(50_000);
    expect(await dueIn(lost.id)).toBeLessThanOrEqual(0);
  });

  it('brings forward the render of a message past the bound, not while a render holds the run', async () => {
    const boundMs = 50;
    const engine = new RunEngine({ store, queues, now: Date.now, logger });
    const inLine = await createStoredRun(store, 'api', 'C1');
    const underWay = await createStoredRun(store, 'web', 'C1');
    for (const run of [inLine, underWay]) await redis.zadd(queueKey(), 'XX', Date.now() + 60_000, run.id);
    await pastTheBound(boundMs);
    // A render of `underWay` holds its lock: it has read the run, or will once it has the lock.
    await store.renders.holdRenderLock(underWay.id, 'a-render', 60_000);

    await reconcileRuns(store, engine, logger, options(boundMs));

    expect(await dueIn(inLine.id)).toBeLessThanOrEqual(0);
    expect(await dueIn(underWay.id)).toBeGreaterThan(50_000);
    // Once that render let go without showing the run (waiting for a later turn), the next pass brings it forward.
    await store.renders.finishRender(underWay.id, 'a-render', { afterMs: 60_000 });
    expect(await dueIn(underWay.id)).toBeGreaterThan(50_000);
    await reconcileRuns(store, engine, logger, options(boundMs));
    expect(await dueIn(underWay.id)).toBeLessThanOrEqual(0);
  });

  it('brings none forward for a message shown since the pass first read it', async () => {
    const boundMs = 50;
    const behind = await createStoredRun(store, 'api', 'C1');
    const shownMeanwhile = await createStoredRun(store, 'web', 'C1');
    for (const run of [behind, shownMeanwhile]) await redis.zadd(queueKey(), 'XX', Date.now() + 60_000, run.id);
    await pastTheBound(boundMs);
    // While the pass works through the runs it read due, the second one's message is shown by its render.
    class ShowingEngine extends RunEngine {
      override async dispatch(run: Run, effects: readonly Effect[], render?: RenderAsk): Promise<void> {
        if (run.id === behind.id) await showMessage(shownMeanwhile);
        await super.dispatch(run, effects, render);
      }
    }

    await reconcileRuns(store, new ShowingEngine({ store, queues, now: Date.now, logger }), logger, options(boundMs));

    expect(await dueIn(behind.id)).toBeLessThanOrEqual(0);
    // Its render left the queue with the write that showed it, and the pass put nothing back.
    expect(await redis.zscore(queueKey(), shownMeanwhile.id)).toBeNull();
  });
});
