import { canaryName } from '../../k8s/ensure-canary.js';
import { findContainer } from '../../k8s/read-deployment-snapshot.js';
import { readReplicaState } from '../../k8s/replica-canary.js';
import { scaleDeployment } from '../../k8s/scale-deployment.js';
import type { Run } from '../../run/core/run-schema.js';
import { assertHoldsLock, type StepContext, stableOf } from './step-context.js';
import { watchRollout } from './watch-rollout.js';

/**
 * Replica mode's end of a canary, for a promotion and for a rollback: the stable back to the replica count
 * recorded on the canary, then, once the stable has rolled out, the canary scaled to zero, so the pods
 * serving never drop below what the stable had (at 100% the stable had none). The wait is skipped when the
 * stable does not run the run's image (a rollback after a promotion had begun: the rollback step that follows
 * restores the template and waits), so a bad image cannot keep the canary up. A canary that does not
 * exist has nothing to scale. Idempotent: the record stays on the canary, so a re-run scales to the same counts.
 * Returns what it did, for the step's detail line.
 */
export async function returnPodsToStable(run: Run, itemId: string, deadline: number, context: StepContext): Promise<string> {
  const { client, ref } = stableOf(run, context);
  const canaryRef = { namespace: ref.namespace, deployment: canaryName(ref.deployment) };
  const state = await readReplicaState(client, ref, canaryRef);
  const parts: string[] = [];
  if (state.recorded !== undefined) {
    await assertHoldsLock(run, context);
    const scaled = await scaleDeployment(client, ref, state.recorded);
    parts.push(`${ref.deployment} back to ${state.recorded} ${state.recorded === 1 ? 'replica' : 'replicas'}${scaled.changed ? '' : ' (already)'}`);
  }
  if (findContainer(state.stable, ref).image === run.target.image) parts.push(await watchRollout(run, itemId, client, ref, deadline, context));
  if (!state.canary) return [...parts, `no ${canaryRef.deployment} to scale down`].join('; ');
  await assertHoldsLock(run, context);
  const scaled = await scaleDeployment(client, canaryRef, 0);
  parts.push(`${canaryRef.deployment} scaled to 0${scaled.changed ? '' : ' (already)'}`);
  return parts.join('; ');
}
