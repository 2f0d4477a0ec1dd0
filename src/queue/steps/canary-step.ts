import type { V1Deployment } from '@kubernetes/client-node';
import { canaryName, ensureCanary, readOptional } from '../../k8s/ensure-canary.js';
import { describeDeployment } from '../../k8s/deployment-ref.js';
import { assertServiceSelectsBoth, recordedStableReplicas, recordStableReplicas, stableReplicasAnnotations } from '../../k8s/replica-canary.js';
import { scaleDeployment } from '../../k8s/scale-deployment.js';
import { describeSplit } from '../../k8s/split-replicas.js';
import { toK8sError } from '../../k8s/to-k8s-error.js';
import { FlightdeckError } from '../../errors/flightdeck-error.js';
import { runRef } from '../../run/core/run-ref.js';
import { recordRollbackTarget } from './record-rollback-target.js';
import { assertHoldsLock, deadlineOf, done, stableOf, type StepExecutor } from './step-context.js';
import { isReplicaMode } from './traffic-of.js';
import { watchRollout } from './watch-rollout.js';

const replicasWord = (n: number) => `${n} ${n === 1 ? 'replica' : 'replicas'}`;

/**
 * Pins the stable rollback target, creates (or updates) `<deployment>-canary` with the run's image and the
 * step's replicas (`match-stable`: the stable's count), and waits until it is ready. Every call converges: an
 * existing canary is reused. In replica mode (one Service selects both) the canary starts with one pod and
 * records the stable's replica count on itself, for the traffic steps to split and the promotion or a
 * rollback to return to: recorded once per run, while this run has not scaled the stable yet.
 */
export const canaryStep: StepExecutor<'canary'> = async (run, item, context) => {
  const { client, ref } = stableOf(run, context);
  await recordRollbackTarget(run, client, ref, context);
  const canaryRef = { namespace: ref.namespace, deployment: canaryName(ref.deployment) };
  let stable: V1Deployment;
  try {
    stable = await client.apps.readNamespacedDeployment({ name: ref.deployment, namespace: ref.namespace });
  } catch (err) {
    throw toK8sError(err, 'get', describeDeployment(ref));
  }
  const stableReplicas = stable.spec?.replicas ?? 1;
  const traffic = run.target.traffic;
  const replicaMode = traffic !== undefined && isReplicaMode(traffic);
  let recorded: number | undefined;
  if (replicaMode) {
    await assertServiceSelectsBoth(client, ref.namespace, traffic.service, { ...stable.spec?.template?.metadata?.labels });
    const existing = await readOptional(client, canaryRef);
    recorded = (existing && recordedStableReplicas(existing, runRef(run))) ?? stableReplicas;
    if (recorded < 1) {
      throw new FlightdeckError('k8s-invalid', `${describeDeployment(ref)} has no replicas, so there is no traffic for a replica-mode canary to take a share of`, {
        remedy: 'Scale the stable Deployment up before deploying.',
      });
    }
    if (existing) {
      await assertHoldsLock(run, context);
      await recordStableReplicas(client, existing, canaryRef, recorded, runRef(run));
    }
  }
  const replicas = replicaMode ? 1 : item.replicas === 'match-stable' ? stableReplicas : item.replicas;
  await assertHoldsLock(run, context);
  const canary = await ensureCanary(client, ref, run.target.image, { replicas, ...(recorded === undefined ? {} : { annotations: stableReplicasAnnotations(recorded, runRef(run)) }) });
  // An existing canary keeps its count (a promoted one was scaled to zero): bring it to this step's size.
  await assertHoldsLock(run, context);
  await scaleDeployment(client, canaryRef, replicas);
  const status = await watchRollout(run, item.id, client, canaryRef, deadlineOf(item, context), context);
  const what = canary.created ? 'created' : canary.updated ? 'updated' : 'ready';
  const made = `${canary.name} ${what} with \`${run.target.image}\` (${replicasWord(replicas)}${item.replicas === 'match-stable' && !replicaMode ? `, as ${ref.deployment}` : ''}): ${status}`;
  if (!replicaMode || recorded === undefined) return done(made);
  return done(`${made}; ${describeSplit({ stable: recorded, canary: replicas })} to ${canary.name} behind Service ${traffic.service}, ${ref.deployment} keeps ${replicasWord(recorded)}`);
};
