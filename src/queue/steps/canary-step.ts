import { canaryName, ensureCanary } from '../../k8s/ensure-canary.js';
import { describeDeployment } from '../../k8s/deployment-ref.js';
import { assertServiceSelectsBoth, readReplicaState, recordStableReplicas, stableReplicasAnnotations } from '../../k8s/replica-canary.js';
import { scaleDeployment } from '../../k8s/scale-deployment.js';
import { describeSplit } from '../../k8s/split-replicas.js';
import { FlightdeckError } from '../../errors/flightdeck-error.js';
import { runRef } from '../../run/core/run-ref.js';
import { recordRollbackTarget } from './record-rollback-target.js';
import { assertHoldsLock, deadlineOf, done, stableOf, type StepExecutor } from './step-context.js';
import { isReplicaMode } from './traffic-of.js';
import { watchRollout } from './watch-rollout.js';

const replicasWord = (n: number) => `${n} ${n === 1 ? 'replica' : 'replicas'}`;

/**
 * Pins the stable rollback target, creates (or updates) `<deployment>-canary` with the run's image and the
 * step's replicas (`match-stable`: the stable's count, at least one), and waits until it is ready. Every call
 * converges: an existing canary is reused. In replica mode (one Service selects both) the canary starts with
 * one pod and records the stable's replica count on itself, for the traffic steps to split and the promotion
 * or a rollback to return to: recorded once per run, before this run scales the stable.
 */
export const canaryStep: StepExecutor<'canary'> = async (run, item, context) => {
  const { client, ref } = stableOf(run, context);
  await recordRollbackTarget(run, client, ref, context);
  const canaryRef = { namespace: ref.namespace, deployment: canaryName(ref.deployment) };
  const state = await readReplicaState(client, ref, canaryRef, runRef(run));
  const traffic = run.target.traffic;
  if (!traffic || !isReplicaMode(traffic)) {
    const replicas = item.replicas === 'match-stable' ? Math.max(1, state.pods.stable) : item.replicas;
    return done(await startCanary(replicas, undefined, item.replicas === 'match-stable' ? `, as ${ref.deployment}` : ''));
  }

  await assertServiceSelectsBoth(client, ref.namespace, traffic.service, { ...state.stable.spec?.template?.metadata?.labels });
  // Once this run recorded it, the count stays the one the run began from (an autoscaler may have moved it since).
  const recorded = state.recorded ?? state.pods.stable;
  if (recorded < 1) {
    throw new FlightdeckError('k8s-invalid', `${describeDeployment(ref)} has no replicas, so there is no traffic for a replica-mode canary to take a share of`, {
      remedy: 'Scale the stable Deployment up before deploying.',
    });
  }
  if (state.canary) {
    await assertHoldsLock(run, context);
    await recordStableReplicas(client, state.canary, canaryRef, recorded, runRef(run));
  }
  const status = await startCanary(1, stableReplicasAnnotations(recorded, runRef(run)), '');
  return done(`${status}; ${describeSplit({ stable: recorded, canary: 1 })} to ${canaryRef.deployment} behind Service ${traffic.service}, ${ref.deployment} keeps ${replicasWord(recorded)}`);

  /** Creates or updates the canary, brings it to `replicas` (a promoted one was scaled to zero) and waits. */
  async function startCanary(replicas: number, annotations: Record<string, string> | undefined, sizeNote: string): Promise<string> {
    await assertHoldsLock(run, context);
    const canary = await ensureCanary(client, ref, run.target.image, { replicas, ...(annotations ? { annotations } : {}) });
    await assertHoldsLock(run, context);
    await scaleDeployment(client, canaryRef, replicas);
    const status = await watchRollout(run, item.id, client, canaryRef, deadlineOf(item, context), context);
    const what = canary.created ? 'created' : canary.updated ? 'updated' : 'ready';
    return `${canary.name} ${what} with \`${run.target.image}\` (${replicasWord(replicas)}${sizeNote}): ${status}`;
  }
};
