import { canaryName, ensureCanary } from '../../k8s/ensure-canary.js';
import { scaleDeployment } from '../../k8s/scale-deployment.js';
import { recordRollbackTarget } from './record-rollback-target.js';
import { assertHoldsLock, deadlineOf, done, stableOf, type StepExecutor } from './step-context.js';
import { watchRollout } from './watch-rollout.js';

/**
 * Pins the stable rollback target, creates (or updates) `<deployment>-canary` with the run's image and the
 * step's replicas, and waits until it is ready. Every call converges: an existing canary is reused.
 */
export const canaryStep: StepExecutor<'canary'> = async (run, item, context) => {
  const { client, ref } = stableOf(run, context);
  await recordRollbackTarget(run, client, ref, context);
  const { replicas } = item;
  await assertHoldsLock(run, context);
  const canary = await ensureCanary(client, ref, run.target.image, { replicas });
  const canaryRef = { namespace: ref.namespace, deployment: canaryName(ref.deployment) };
  // An existing canary keeps its count (a promoted one was scaled to zero): bring it to this step's size.
  await assertHoldsLock(run, context);
  await scaleDeployment(client, canaryRef, replicas);
  const status = await watchRollout(run, item.id, client, canaryRef, deadlineOf(item, context), context);
  const what = canary.created ? 'created' : canary.updated ? 'updated' : 'ready';
  return done(`${canary.name} ${what} with \`${run.target.image}\` (${replicas} ${replicas === 1 ? 'replica' : 'replicas'}): ${status}`);
};
