import type { V1Deployment } from '@kubernetes/client-node';
import { FlightdeckError } from '../errors/flightdeck-error.js';
import type { ClusterClient } from './create-cluster-access.js';
import { type DeploymentRef, describeDeployment } from './deployment-ref.js';
import { rolloutStatus } from './rollout-status.js';
import { watchUntil } from './watch-until.js';

export interface WaitForRolloutOptions {
  /** Epoch ms after which the wait fails with FlightdeckError('rollout-timeout'). */
  deadline: number;
  /** Clock for `deadline`; injected so the engine controls time. */
  now: () => number;
  /** Aborting stops the watch and rejects with `signal.reason` if it is a FlightdeckError, else 'internal'. */
  signal?: AbortSignal;
  /**
   * Called with kubectl's status message whenever it changes while the rollout is under way; the message it ends
   * with is the result's (or the error's), not reported here. Must not throw.
   */
  onProgress?: (message: string) => void;
}

/**
 * Waits until `kubectl rollout status` would report success, by list + watch (never polling): it lists the
 * Deployment — a list, because its resourceVersion is the collection's, which a watch can always start
 * from — then watches from there. Dropped watches and 410 Expired are handled by `watchUntil`, so the end of
 * the rollout is never missed.
 *
 * Resolves with kubectl's success message. Throws FlightdeckError: 'rollout-failed' when the progress deadline
 * is exceeded, 'rollout-timeout' when `deadline` passes, 'k8s-not-found' if the Deployment is deleted, and
 * the toK8sError mapping for API failures.
 */
export async function waitForRollout(client: ClusterClient, ref: DeploymentRef, options: WaitForRolloutOptions): Promise<{ message: string }> {
  const what = describeDeployment(ref);
  const fieldSelector = `metadata.name=${ref.deployment}`;
  let lastMessage: string | undefined;
  return watchUntil(client, {
    path: `/apis/apps/v1/namespaces/${encodeURIComponent(ref.namespace)}/deployments`,
    fieldSelector,
    what,
    list: async () => {
      const list = await client.apps.listNamespacedDeployment({ namespace: ref.namespace, fieldSelector });
      return { items: list.items, resourceVersion: list.metadata?.resourceVersion };
    },
    judge: (obj) => {
      const verdict = rolloutStatus(obj as V1Deployment);
      // The end is the step's own record: reported as progress too, it was one more write of the run, racing the
      // step's (a compare-and-set conflict on nearly every rollout of the many-runs bench).
      if (verdict.message !== lastMessage && !verdict.done && !verdict.failed) options.onProgress?.(verdict.message);
      lastMessage = verdict.message;
      if (verdict.failed) {
        throw new FlightdeckError('rollout-failed', `${what}: ${verdict.message}`, {
          remedy: 'The new pods never became ready; check their events and logs (kubectl describe pod).',
        });
      }
      return verdict.done ? { message: verdict.message } : undefined;
    },
    deadline: options.deadline,
    now: options.now,
    timeout: () =>
      new FlightdeckError('rollout-timeout', `Timed out waiting for the rollout of ${what}${lastMessage ? ` (last status: ${lastMessage})` : ''}`, {
        remedy: 'Check the rollout with kubectl rollout status, or raise the step timeout.',
      }),
    ...(options.signal ? { signal: options.signal } : {}),
  });
}
