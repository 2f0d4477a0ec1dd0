import { randomUUID } from 'node:crypto';
import type { Redis } from 'ioredis';
import { beforeEach, describe, expect, it } from 'vitest';
import { createLogger } from '../../src/observability/create-logger.js';
import { NEW_WORK_PRIORITY, type Queues } from '../../src/queue/engine/create-queues.js';
import { renderJobId } from '../../src/queue/engine/job-schemas.js';
import { reconcileRuns } from '../../src/queue/engine/reconcile-runs.js';
import { RunEngine, type RenderAsk } from '../../src/queue/engine/run-engine.js';
import type { Effect } from '../../src/run/core/run-event.js';
import type { Run } from '../../src/run/core/run-schema.js';
import type { RunStore } from '../../src/run/store/run-store.js';
import { createStoredRun } from '../support/create-stored-run.js';
import { useStoreWithQueues } from '../support/store-with-queues.js';
import { waitUntil } from '../support/wait-until.js';

/*
 * The renders a reconcile pass asks for: one for a message behind its run whose render is lost, one ahead of
 * the channel's line for a message behind past the bound, and none where a render is still coming, since each
 * of those would only wait behind the others in the notify queue (or, ahead of the line, push the channel back).
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
const queued = async (id: string) => (await queues.notify.getJob(id)) !== undefined;

/** Records the message as showing the run, as a render that wrote it does. */
async function showMessage(run: Run): Promise<void> {
  const owner = randomUUID();
  await store.renders.holdRenderLock(run.id, owner, 10_000);
  const read = await store.renders.readForRender(run.id);
  await store.renders.setRenderedSeq(run.id, run.seq, read!.readAt, owner);
  await store.renders.releaseRenderLock(run.id, owner);
}

describe('the renders a reconcile pass asks for', () => {
  it('asks for none while a render of the run sleeps for its turn, and one for a run whose render is lost', async () => {
    const waiting = await createStoredRun(store, 'api', 'C1');
    const lost = await createStoredRun(store, 'web', 'C1');
    // The render of `waiting` sleeps for its turn in the channel's line; it reads the run when it wakes.
    await redis.set(`{${prefix}}:render-waiting:${waiting.id}`, 'render-earlier', 'PX', 60_000);

    await reconcileRuns(store, new RunEngine({ store, queues, now: Date.now, logger }), logger, options(60_000));

    expect(await queued(renderJobId(waiting, waiting.seq))).toBe(false);
    expect(await queued(renderJobId(lost, lost.seq))).toBe(true);
  });

  it('asks for none while the render the engine queued has not read the run, nor while a render is under way', async () => {
    const engine = new RunEngine({ store, queues, now: Date.now, logger });
    const queuedRun = await createStoredRun(store, 'api', 'C1');
    const underWay = await createStoredRun(store, 'web', 'C1');
    await engine.enqueueRender(queuedRun);
    const marked = renderJobId(queuedRun, queuedRun.seq, 'marked');
    expect(await queued(marked)).toBe(true);
    expect((await queues.notify.getJob(marked))?.priority).toBe(NEW_WORK_PRIORITY);
    // A render of `underWay` holds its lock: it has read the run, or will once it has the lock.
    await store.renders.holdRenderLock(underWay.id, 'a-render', 60_000);

    await reconcileRuns(store, engine, logger, options(60_000));

    expect(await queued(renderJobId(queuedRun, queuedRun.seq))).toBe(false);
    expect(await queued(renderJobId(underWay, underWay.seq))).toBe(false);
    // Once that render let go without showing the run, the next pass asks again.
    await store.renders.releaseRenderLock(underWay.id, 'a-render');
    await reconcileRuns(store, engine, logger, options(60_000));
    expect(await queued(renderJobId(underWay, underWay.seq))).toBe(true);
  });

  it('sends none ahead of the line for a message shown since the pass first read it', async () => {
    const boundMs = 50;
    const behind = await createStoredRun(store, 'api', 'C1');
    const shownMeanwhile = await createStoredRun(store, 'web', 'C1');
    await waitUntil('both messages to trail their runs past the bound', async () => {
      const { now, due } = await store.renders.renderDue();
      return due.length === 2 && due.every((d) => now - d.since > boundMs) ? true : undefined;
    });
    // While the pass works through the runs it read due, the second one's message is shown by its render.
    class ShowingEngine extends RunEngine {
      override async dispatch(run: Run, effects: readonly Effect[], render?: RenderAsk): Promise<void> {
        if (run.id === behind.id) await showMessage(shownMeanwhile);
        await super.dispatch(run, effects, render);
      }
    }

    await reconcileRuns(store, new ShowingEngine({ store, queues, now: Date.now, logger }), logger, options(boundMs));

    expect(await queued(renderJobId(behind, behind.seq, 'late'))).toBe(true);
    // Before the new notify jobs, which wait as prioritized: the message is already past its bound.
    expect((await queues.notify.getJob(renderJobId(behind, behind.seq, 'late')))?.priority).toBe(0);
    expect(await queued(renderJobId(shownMeanwhile, shownMeanwhile.seq, 'late'))).toBe(false);
  });
});
