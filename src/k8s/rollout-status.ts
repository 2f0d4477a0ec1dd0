import type { V1Deployment } from '@kubernetes/client-node';

/** kubectl's verdict on a Deployment rollout. */
export interface RolloutStatus {
  /** The rollout finished: `kubectl rollout status` would exit 0. */
  done: boolean;
  /** The rollout cannot finish (progress deadline exceeded): kubectl would exit non-zero. */
  failed: boolean;
  /** kubectl's own wording, without the trailing newline. */
  message: string;
}

/**
 * A port of kubectl's DeploymentStatusViewer.Status (pkg/polymorphichelpers/rollout_status.go), without
 * `--revision`. Pure; absent counters count as 0 because the API server omits zero values.
 */
export function rolloutStatus(deployment: V1Deployment): RolloutStatus {
  const name = deployment.metadata?.name ?? '';
  const generation = deployment.metadata?.generation ?? 0;
  const status = deployment.status ?? {};
  const observedGeneration = status.observedGeneration ?? 0;
  if (generation <= observedGeneration) {
    const progressing = status.conditions?.find((c) => c.type === 'Progressing');
    if (progressing?.reason === 'ProgressDeadlineExceeded') {
      return { done: false, failed: true, message: `deployment "${name}" exceeded its progress deadline` };
    }
    const updated = status.updatedReplicas ?? 0;
    const replicas = status.replicas ?? 0;
    const available = status.availableReplicas ?? 0;
    const desired = deployment.spec?.replicas;
    if (desired !== undefined && desired !== null && updated < desired) {
      return waiting(`Waiting for deployment "${name}" rollout to finish: ${updated} out of ${desired} new replicas have been updated...`);
    }
    if (replicas > updated) {
      return waiting(`Waiting for deployment "${name}" rollout to finish: ${replicas - updated} old replicas are pending termination...`);
    }
    if (available < updated) {
      return waiting(`Waiting for deployment "${name}" rollout to finish: ${available} of ${updated} updated replicas are available...`);
    }
    return { done: true, failed: false, message: `deployment "${name}" successfully rolled out` };
  }
  return waiting('Waiting for deployment spec update to be observed...');
}

function waiting(message: string): RolloutStatus {
  return { done: false, failed: false, message };
}
