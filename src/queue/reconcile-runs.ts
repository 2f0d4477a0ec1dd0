import type { Logger } from '../observability/create-logger.js';
import type { RunStore } from '../run/run-store.js';
import type { RunEngine } from './run-engine.js';

/**
 * Re-enqueues whatever runs still need: a running step whose job is gone, or a message behind its run
 * (including runs that have just finished). Enqueues use deterministic job ids, so work that is already
 * queued or active collapses. This is what makes "commit, then enqueue" safe when a process dies between.
 */
export async function reconcileRuns(store: RunStore, engine: RunEngine, logger: Logger): Promise<number> {
  let enqueued = 0;
  for (const run of await store.activeRuns()) {
    for (const item of run.phases.flatMap((phase) => phase.items)) {
      if (item.state !== 'running') continue;
      if (item.kind === 'step') await engine.enqueueStep(run, item.id);
      else if (item.kind === 'check') await engine.enqueueCheck(run, item.id);
      else continue;
      enqueued += 1;
    }
  }
  for (const id of await store.renderDue()) {
    const run = await store.get(id);
    if (!run) {
      await store.dropRenderDue(id);
    } else if (run.seq > (await store.getRenderedSeq(id))) {
      await engine.enqueueRender(run);
      enqueued += 1;
    }
  }
  if (enqueued > 0) logger.debug({ enqueued }, 'reconciled runs');
  return enqueued;
}
