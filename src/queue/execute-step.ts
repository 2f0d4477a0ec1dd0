import type { ClusterAccess } from '../k8s/create-cluster-access.js';
import { readDeploymentSnapshot } from '../k8s/read-deployment-snapshot.js';
import { setImage } from '../k8s/set-image.js';
import { waitForRollout } from '../k8s/wait-for-rollout.js';
import { FlightdeckError } from '../errors/flightdeck-error.js';
import type { Run, RunItem } from '../run/run-schema.js';
import type { RunEngine } from './run-engine.js';

export interface StepContext {
  clusters: ClusterAccess;
  engine: RunEngine;
  now: () => number;
  signal: AbortSignal | undefined;
}

/** The change-cause annotation: what `kubectl rollout history` shows for the revision this run creates. */
export function changeCauseFor(run: Run): string {
  return `flightdeck run #${run.id}: ${run.service} ${run.version} to ${run.environment} requested by ${run.requestedBy}`;
}

/**
 * Performs one step and returns the line shown next to it. Every step converges when run again: the
 * rollback target is recorded before the first patch and never replaced, the patch is skipped when the
 * Deployment already carries it, and a rollout wait simply watches again.
 */
export async function executeStep(run: Run, item: RunItem, context: StepContext): Promise<string> {
  const client = context.clusters.forContext(run.target.cluster);
  const { namespace, deployment, container, image } = run.target;
  if (item.kind !== 'step') throw new FlightdeckError('internal', `Item ${item.id} is not a step.`);
  switch (item.action) {
    case 'set-image': {
      if (!run.rollbackTarget) {
        const snapshot = await readDeploymentSnapshot(client, { namespace, deployment, container });
        await context.engine.apply(run.id, {
          type: 'rollback-target-recorded',
          target: { revision: snapshot.revision, image: snapshot.image, template: snapshot.template, recordedAt: context.now() },
        });
      }
      const result = await setImage(client, { namespace, deployment, container }, image, changeCauseFor(run));
      return result.changed
        ? `${deployment}/${container} set to \`${image}\` (generation ${result.generation})`
        : `${deployment}/${container} already runs \`${image}\``;
    }
    case 'wait-rollout': {
      const startedAt = item.startedAt ?? context.now();
      const deadline = startedAt + (item.timeoutMs ?? 600_000);
      let lastReported = '';
      const outcome = await waitForRollout(
        client,
        { namespace, deployment },
        {
          deadline,
          now: context.now,
          signal: context.signal,
          onProgress: (message) => {
            if (message === lastReported) return;
            lastReported = message;
            // Progress only decorates the message; losing one update must not fail the step.
            context.engine.apply(run.id, { type: 'step-progress', itemId: item.id, detail: message }).catch(() => {});
          },
        },
      );
      return outcome.message;
    }
    default:
      throw new FlightdeckError('internal', `Item ${item.id} is not a step this worker can run.`);
  }
}
