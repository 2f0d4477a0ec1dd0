import type { ClusterClient } from '../../k8s/create-cluster-access.js';
import { previewName } from '../../k8s/ensure-canary.js';
import { scaleDeployment } from '../../k8s/scale-deployment.js';
import { isFlightdeckError } from '../../errors/flightdeck-error.js';
import type { Run } from '../../run/core/run-schema.js';

/** Scales `<deployment>-preview` to zero; one that does not exist is already down. Returns the detail line part. */
export async function scalePreviewDown(run: Run, client: ClusterClient): Promise<string> {
  const preview = previewName(run.target.deployment);
  try {
    const scaled = await scaleDeployment(client, { namespace: run.target.namespace, deployment: preview }, 0);
    return `${preview} scaled to 0${scaled.changed ? '' : ' (already)'}`;
  } catch (err) {
    if (!isFlightdeckError(err) || err.code !== 'k8s-not-found') throw err;
    return `no ${preview} to scale down`;
  }
}
