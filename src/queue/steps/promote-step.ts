import { setImage } from '../../k8s/set-image.js';
import { returnPodsToStable } from './return-pods-to-stable.js';
import { returnTrafficToStable } from './return-traffic-to-stable.js';
import { assertHoldsLock, changeCauseFor, deadlineOf, done, stableOf, type StepExecutor } from './step-context.js';
import { isReplicaMode } from './traffic-of.js';
import { watchRollout } from './watch-rollout.js';

/**
 * Makes the canary's image stable: sets the stable image (change-cause naming the run), waits for that
 * rollout, then returns all traffic to stable and scales the canary to zero. In replica mode the stable is
 * also scaled back to its recorded count before that wait (returnPodsToStable). Each part converges on re-run.
 */
export const promoteStep: StepExecutor<'promote'> = async (run, item, context) => {
  const { client, ref } = stableOf(run, context);
  await assertHoldsLock(run, context);
  await setImage(client, ref, run.target.image, changeCauseFor(run));
  if (run.target.traffic && isReplicaMode(run.target.traffic)) return done(await returnPodsToStable(run, item.id, deadlineOf(item, context), context));
  const status = await watchRollout(run, item.id, client, ref, deadlineOf(item, context), context);
  await assertHoldsLock(run, context);
  const traffic = await returnTrafficToStable(run, client);
  return done(`${status}; ${traffic}`);
};
