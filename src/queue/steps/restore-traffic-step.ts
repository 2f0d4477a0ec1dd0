import { returnPodsToStable } from './return-pods-to-stable.js';
import { returnTrafficToStable } from './return-traffic-to-stable.js';
import { assertHoldsLock, done, stableOf, type StepExecutor } from './step-context.js';
import { isReplicaMode } from './traffic-of.js';

/** How long replica mode waits for the stable's pods to come back before scaling the canary down. */
const STABLE_READY_TIMEOUT_MS = 10 * 60_000;

/**
 * First step of a rollback of a canary run: all traffic back to stable, the canary scaled to zero; in replica
 * mode the stable first back to its recorded count and ready (returnPodsToStable).
 */
export const restoreTrafficStep: StepExecutor<'restore-traffic'> = async (run, item, context) => {
  if (run.target.traffic && isReplicaMode(run.target.traffic)) {
    return done(await returnPodsToStable(run, item.id, (item.startedAt ?? context.now()) + STABLE_READY_TIMEOUT_MS, context));
  }
  const { client } = stableOf(run, context);
  await assertHoldsLock(run, context);
  return done(await returnTrafficToStable(run, client));
};
