import type { ClusterClient } from '../../k8s/create-cluster-access.js';
import type { DeploymentRef } from '../../k8s/deployment-ref.js';
import { waitForRollout } from '../../k8s/wait-for-rollout.js';
import type { Run } from '../../run/core/run-schema.js';
import type { StepContext } from './step-context.js';

/**
 * Waits for one Deployment's rollout, showing kubectl's status line next to the step while it moves.
 * Throws like waitForRollout (rollout-failed, rollout-timeout, the k8s mapping).
 */
export async function watchRollout(
  run: Run,
  itemId: string,
  client: ClusterClient,
  ref: DeploymentRef,
  deadline: number,
  context: StepContext,
): Promise<string> {
  let lastReported = '';
  const outcome = await waitForRollout(client, ref, {
    deadline,
    now: context.now,
    ...(context.signal ? { signal: context.signal } : {}),
    onProgress: (message) => {
      if (message === lastReported) return;
      lastReported = message;
      // Progress only decorates the message; losing one update must not fail the step.
      context.engine.apply(run.id, { type: 'step-progress', itemId, detail: message }).catch(() => {});
    },
  });
  return outcome.message;
}
