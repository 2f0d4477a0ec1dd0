import type { Job } from 'bullmq';
import { isFlightdeckError } from '../../errors/flightdeck-error.js';
import type { Logger } from '../../observability/create-logger.js';
import { switchBack } from '../../k8s/blue-green-traffic.js';
import { trafficShiftsOf } from '../../run/core/create-rollback-run.js';
import { irreversibleJobsThatRan } from '../../run/core/job-reverts.js';
import { FLIGHTDECK_ACTOR } from '../../run/core/run-event.js';
import { runRef } from '../../run/core/run-ref.js';
import type { Run } from '../../run/core/run-schema.js';
import { enqueuePagerDutyEvent } from '../incidents/pagerduty-events.js';
import { blueGreenOf } from '../steps/blue-green-of.js';
import { returnTrafficToStable } from '../steps/return-traffic-to-stable.js';
import { runJobSchema } from './job-schemas.js';
import { RUN_FAILURE_INCIDENT } from './run-engine.js';
import type { WorkerDeps } from './worker-deps.js';

/**
 * BullMQ processor for `hold` (a failed deploy that ran a Job nothing can undo, so no automatic rollback):
 * freezes the target with a lock in flightdeck's name, so no deploy lands on top before a person decides
 * (a rollback may still take it); sends traffic back to stable where the run shifted it — canary weights to
 * 0 and the canary scaled down, a blue-green switch back to the old pods — since moving traffic between
 * versions the run already served from leaves the database as it is; and pages a failure no guard paged.
 * It acts once per run (a mark in Redis set when it is done, so a failed or killed attempt is redone whole), and not at all
 * once a person has started a rollback of the run.
 */
export function createHoldProcessor(deps: WorkerDeps) {
  return async (job: Job): Promise<void> => {
    const { runId } = runJobSchema.parse(job.data);
    const run = await deps.store.get(runId);
    if (run?.state !== 'failed' || run.rollbackRunId !== undefined) return;
    // Once per run: asked again by the reconciler, it must not lock the target after a person unlocked it. The
    // mark is set when the hold is done, so a worker killed half-way leaves none and the retry does it all (each
    // part converges: the lock stands, traffic is already back, the page has its dedup key); meanwhile a short
    // claim keeps a second worker out.
    const done = `hold:${runRef(run)}`;
    const busy = `hold-busy:${runRef(run)}`;
    if ((await deps.store.isClaimed(done)) || !(await deps.store.claimOnce(busy, HOLD_BUSY_SECONDS))) return;
    try {
      await hold(run, deps, deps.logger.child({ run: run.id, job: job.id }));
      await deps.store.claimOnce(done, HOLD_CLAIM_SECONDS);
    } finally {
      await deps.store.releaseOnce(busy);
    }
  };
}

async function hold(run: Run, deps: WorkerDeps, logger: Logger): Promise<void> {
  const held = irreversibleJobsThatRan(run).map((item) => item.id);
  await freeze(run, held, deps);
  const traffic = await returnTraffic(run, deps);
  if (traffic) await deps.queues.notify.add('thread', { runId: run.id, note: { kind: 'hold-traffic', detail: traffic } }, { jobId: `thread-hold-${runRef(run)}` });
  if (!run.breaches.some((breach) => breach.action === 'rollback')) {
    await enqueuePagerDutyEvent(deps.queues, {
      kind: 'trigger',
      runId: run.id,
      guardId: RUN_FAILURE_INCIDENT,
      breachAt: run.endedAt ?? run.seq,
      severity: 'critical',
      summary: `${run.service} ${run.version} in ${run.environment}: run #${run.id} failed and is held, not rolled back (${held.join(', ')} cannot be undone)`.slice(0, 1024),
    });
  }
  logger.warn({ held, traffic }, 'run held instead of rolled back');
}

/** Longer than any run stays render-due, the only time the reconciler asks for a hold again. */
const HOLD_CLAIM_SECONDS = 7 * 24 * 3600;
/** Longer than a hold takes (a lock, two cluster writes, a page enqueued); a killed worker's claim lapses after it. */
const HOLD_BUSY_SECONDS = 120;

/** Locks the target in flightdeck's name; a lock already there (this one, a person's, a newer run's) stands. */
async function freeze(run: Run, held: string[], deps: WorkerDeps): Promise<void> {
  const reason = `run #${run.id} failed after ${held.join(', ')}, which cannot be undone: roll the image back anyway or hold, then /deploy unlock`;
  try {
    await deps.store.lockManually(run.service, run.environment, { by: FLIGHTDECK_ACTOR, reason, at: deps.now() });
  } catch (err) {
    if (!isFlightdeckError(err) || err.code !== 'target-locked') throw err;
  }
}

/** What was done to traffic, or undefined when the run never shifted any (a plain rollout: the image is the traffic). */
async function returnTraffic(run: Run, deps: WorkerDeps): Promise<string | undefined> {
  const { usedCanary, usedBlueGreen } = trafficShiftsOf(run);
  const client = deps.clusters.forContext(run.target.cluster);
  const parts: string[] = [];
  if (usedBlueGreen) {
    const back = await switchBack(client, blueGreenOf(run));
    parts.push(back.oldGone ? 'the old pods were already being replaced: traffic stays until the image is rolled back' : `traffic back on ${run.target.deployment}'s old pods${back.changed ? '' : ' (already)'}`);
  }
  if (usedCanary) parts.push(await returnTrafficToStable(run, client));
  return parts.length > 0 ? parts.join('; ') : undefined;
}
