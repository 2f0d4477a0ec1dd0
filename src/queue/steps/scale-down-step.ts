import { unpinActiveService } from '../../k8s/blue-green-traffic.js';
import { setImage } from '../../k8s/set-image.js';
import { blueGreenOf } from './blue-green-of.js';
import { scalePreviewDown } from './scale-preview-down.js';
import { assertHoldsLock, changeCauseFor, done, stableOf, type StepExecutor } from './step-context.js';
import { watchRollout } from './watch-rollout.js';

/**
 * Blue-green promotion. Until `delayMs` after the switch the old version stays scaled, so a rollback is a
 * switch back; the worker hands the job back until then, like a bake. Then: the active Deployment gets the new
 * image (its pods replaced while all traffic is still on the preview), the active Service gets its own selector
 * back (or the route 100/0), and the preview is scaled to zero, in that order so no request reaches a pod that
 * is going away. Each part converges on re-run.
 */
export const scaleDownStep: StepExecutor<'scale-down'> = async (run, item, context) => {
  const switched = run.phases.flatMap((phase) => phase.items).find((other) => other.kind === 'step' && other.action === 'switch' && other.state === 'done');
  const wakeAt = (switched?.at ?? item.startedAt ?? context.now()) + item.delayMs;
  if (context.now() < wakeAt) {
    return { done: false, wakeAt, detail: `old version kept scaled until ${new Date(wakeAt).toISOString().slice(11, 19)} UTC` };
  }
  const { client, ref } = stableOf(run, context);
  const blueGreen = blueGreenOf(run);
  await assertHoldsLock(run, context);
  await setImage(client, ref, run.target.image, changeCauseFor(run));
  // The rollout's deadline counts from the end of the delay, which the step spent waiting.
  const status = await watchRollout(run, item.id, client, ref, wakeAt + item.timeoutMs, context);
  await assertHoldsLock(run, context);
  await unpinActiveService(client, blueGreen);
  await assertHoldsLock(run, context);
  const preview = await scalePreviewDown(run, client);
  return done(`${status}; traffic back on ${ref.deployment} (${blueGreen.activeService}); ${preview}`);
};
