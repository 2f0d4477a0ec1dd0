import { FlightdeckError } from '../../errors/flightdeck-error.js';
import { pinActiveService } from '../../k8s/blue-green-traffic.js';
import { ensureCanary, previewName } from '../../k8s/ensure-canary.js';
import { readRevisionHistory } from '../../k8s/list-revisions.js';
import { scaleDeployment } from '../../k8s/scale-deployment.js';
import { blueGreenOf } from './blue-green-of.js';
import { recordRollbackTarget } from './record-rollback-target.js';
import { assertHoldsLock, deadlineOf, done, stableOf, type StepExecutor } from './step-context.js';
import { watchRollout } from './watch-rollout.js';

/**
 * Blue-green: pins the rollback target, keeps the active Service on the old version's pods (so the preview's,
 * which carry the same labels, get none of its traffic), creates or updates `<deployment>-preview` with the
 * run's image and as many replicas as the active Deployment, and waits until it is ready. Every part
 * converges on re-run: the pin keeps what it recorded first, the preview is reused.
 */
export const previewStep: StepExecutor<'preview'> = async (run, item, context) => {
  const { client, ref } = stableOf(run, context);
  const blueGreen = blueGreenOf(run);
  await recordRollbackTarget(run, client, ref, context);
  const { deployment, revisions } = await readRevisionHistory(client, ref);
  const current = revisions.at(-1);
  if (!current?.podTemplateHash) {
    throw new FlightdeckError('k8s-invalid', `deployment ${ref.namespace}/${ref.deployment} has no ReplicaSet with a pod-template-hash yet, so its pods cannot be told apart from the preview's`, {
      remedy: 'Wait until the Deployment has rolled out once, then start the run again.',
    });
  }
  const replicas = deployment.spec?.replicas ?? 1;
  await assertHoldsLock(run, context);
  await pinActiveService(client, blueGreen, current.podTemplateHash);
  await assertHoldsLock(run, context);
  const preview = await ensureCanary(client, ref, run.target.image, { replicas, track: 'preview' });
  const previewRef = { namespace: ref.namespace, deployment: previewName(ref.deployment) };
  // A preview left by an earlier run was scaled to zero: bring it to the active Deployment's size.
  await assertHoldsLock(run, context);
  await scaleDeployment(client, previewRef, replicas);
  const status = await watchRollout(run, item.id, client, previewRef, deadlineOf(item, context), context);
  const what = preview.created ? 'created' : preview.updated ? 'updated' : 'ready';
  return done(
    `${preview.name} ${what} with \`${run.target.image}\` (${replicas} ${replicas === 1 ? 'replica' : 'replicas'}, as ${ref.deployment}), reachable as ${blueGreen.previewService}; ${blueGreen.activeService} stays on the old version: ${status}`,
  );
};
