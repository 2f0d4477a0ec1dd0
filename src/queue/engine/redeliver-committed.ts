import type { Logger } from '../../observability/create-logger.js';
import type { RunStore } from '../../run/store/run-store.js';
import type { ReplyOrder } from '../notify/reply-order.js';
import { threadPlace } from '../notify/reply-order.js';
import { parseNotifyJobs } from './notify-jobs-of.js';
import type { RunEngine } from './run-engine.js';

/** How long after its write a job still in the outbox is taken for lost: well above a live writer's commit-to-enqueue. */
export const OUTBOX_GRACE_MS = 5000;

export interface RedeliverDeps {
  store: RunStore;
  engine: RunEngine;
  order: ReplyOrder;
  logger: Logger;
}

/**
 * Enqueues the notify jobs that writes committed more than `graceMs` ago and whose writers never did (they died
 * in between): the reconciler's backstop for what a run's state cannot say is owed. A thread reply joins its
 * run's line of replies before its outbox entry goes, so the replies of later writes, which waited for the entry,
 * go on waiting for the job. A job enqueued meanwhile collapses by its id; a reply already posted is not posted
 * again (its claim, notify-once.ts). Returns how many jobs were asked for.
 */
export async function redeliverCommitted(deps: RedeliverDeps, graceMs = OUTBOX_GRACE_MS, limit = 100): Promise<number> {
  let enqueued = 0;
  for (const entry of await deps.store.outbox.due(graceMs, limit)) {
    const jobs = parseNotifyJobs(entry.payload);
    if (jobs) {
      for (const job of jobs) {
        await deps.engine.enqueueNotify(job);
        const place = threadPlace(entry.runId, { id: job.jobId });
        if (place) await deps.order.join(entry.runId, { id: job.jobId, name: job.name }, place.place);
      }
      enqueued += jobs.length;
      deps.logger.warn({ run: entry.runId, seq: entry.seq, jobs: jobs.map((job) => job.jobId) }, 'asked again for the jobs of a write whose writer died before it had enqueued them all');
    } else {
      deps.logger.error({ run: entry.runId, seq: entry.seq }, 'dropped an outbox entry that is not a list of jobs');
    }
    await deps.store.outbox.settle(entry.runId, entry.seq);
  }
  return enqueued;
}
