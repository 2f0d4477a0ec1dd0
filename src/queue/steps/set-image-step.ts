import { setImage } from '../../k8s/set-image.js';
import { recordRollbackTarget } from './record-rollback-target.js';
import { assertHoldsLock, changeCauseFor, done, stableOf, type StepExecutor } from './step-context.js';

/**
 * Pins the rollback target, then points the container at the run's image with a change-cause naming the
 * run. A re-run sends nothing when the Deployment already carries both, so a run makes one image patch.
 */
export const setImageStep: StepExecutor<'set-image'> = async (run, _item, context) => {
  const { client, ref } = stableOf(run, context);
  await recordRollbackTarget(run, client, ref, context);
  await assertHoldsLock(run, context);
  const result = await setImage(client, ref, run.target.image, changeCauseFor(run));
  return done(
    result.changed
      ? `${ref.deployment}/${ref.container} set to \`${run.target.image}\` (generation ${result.generation})`
      : `${ref.deployment}/${ref.container} already runs \`${run.target.image}\``,
  );
};
