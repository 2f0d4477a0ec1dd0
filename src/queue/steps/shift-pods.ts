import { canaryName } from '../../k8s/ensure-canary.js';
import { describeDeployment } from '../../k8s/deployment-ref.js';
import { readReplicaState } from '../../k8s/replica-canary.js';
import { scaleDeployment } from '../../k8s/scale-deployment.js';
import { describeSplit, splitReplicas } from '../../k8s/split-replicas.js';
import { FlightdeckError } from '../../errors/flightdeck-error.js';
import type { RunStepOf } from '../../run/core/run-item-schema.js';
import { runRef } from '../../run/core/run-ref.js';
import type { Run } from '../../run/core/run-schema.js';
import type { ReplicaServiceRef } from './traffic-of.js';
import { assertHoldsLock, type StepContext, stableOf } from './step-context.js';
import { watchRollout } from './watch-rollout.js';

/** How long a traffic step waits for new pods when the run has no canary step to take the bound from. */
const DEFAULT_WAIT_MS = 10 * 60_000;

/**
 * Replica mode's traffic step: scales the canary and the stable so the canary's share of the pods behind the
 * one Service comes nearest the step's weight (splitReplicas, from the stable's count the canary step
 * recorded). The side that grows is scaled first and waited for, bounded like the canary step's own wait from
 * this step's start, and only then is the other scaled down, so ready pods never drop below what the stable
 * had. A re-run reads the counts again and converges: what has grown is waited for, what is left shrinks.
 * Returns the step's detail line, the share labelled approximate.
 */
export async function shiftPods(run: Run, item: RunStepOf<'traffic'>, traffic: ReplicaServiceRef, context: StepContext): Promise<string> {
  const { client, ref } = stableOf(run, context);
  const canaryRef = { namespace: ref.namespace, deployment: canaryName(ref.deployment) };
  const state = await readReplicaState(client, ref, canaryRef, runRef(run));
  if (state.recorded === undefined) {
    throw new FlightdeckError('k8s-not-found', `${describeDeployment(canaryRef)} was not started by this run's canary step, so no pods can take the canary's share of the traffic`, {
      remedy: 'Put a canary step before the traffic steps of the checklist.',
    });
  }
  const want = splitReplicas(state.recorded, item.weight);
  const sides = [
    { ref: canaryRef, from: state.pods.canary, to: want.canary },
    { ref, from: state.pods.stable, to: want.stable },
  ];
  const canaryStep = run.phases.flatMap((phase) => phase.items).find((other) => other.kind === 'step' && other.action === 'canary');
  const deadline = (item.startedAt ?? context.now()) + (canaryStep?.kind === 'step' && canaryStep.action === 'canary' ? canaryStep.timeoutMs : DEFAULT_WAIT_MS);
  for (const side of sides.filter((s) => s.to > s.from)) {
    await assertHoldsLock(run, context);
    await scaleDeployment(client, side.ref, side.to);
  }
  for (const side of sides.filter((s) => s.to >= s.from)) await watchRollout(run, item.id, client, side.ref, deadline, context);
  for (const side of sides.filter((s) => s.to < s.from)) {
    await assertHoldsLock(run, context);
    await scaleDeployment(client, side.ref, side.to);
  }
  return `${describeSplit(want)} to ${canaryRef.deployment} for a weight of ${item.weight}%: ${canaryRef.deployment} ${want.canary}, ${ref.deployment} ${want.stable} behind Service ${traffic.service}`;
}
