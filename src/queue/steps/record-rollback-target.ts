import type { ClusterClient } from '../../k8s/create-cluster-access.js';
import type { ContainerRef } from '../../k8s/deployment-ref.js';
import { readDeploymentSnapshot } from '../../k8s/read-deployment-snapshot.js';
import type { Run } from '../../run/core/run-schema.js';
import type { StepContext } from './step-context.js';

/**
 * Pins what the Deployment runs before the run's first change. Skipped once recorded: a retried step would
 * otherwise read its own change and make "rollback" restore it. Returns the revision pinned.
 */
export async function recordRollbackTarget(run: Run, client: ClusterClient, ref: ContainerRef, context: StepContext): Promise<string> {
  if (run.rollbackTarget) return run.rollbackTarget.revision;
  const snapshot = await readDeploymentSnapshot(client, ref);
  const stored = await context.engine.apply(run.id, {
    type: 'rollback-target-recorded',
    target: { revision: snapshot.revision, image: snapshot.image, template: snapshot.template, recordedAt: context.now() },
  });
  return stored.rollbackTarget?.revision ?? snapshot.revision;
}
