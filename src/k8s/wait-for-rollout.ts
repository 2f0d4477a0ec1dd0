import { type V1Deployment, Watch } from '@kubernetes/client-node';
import { FlightdeckError } from '../errors/flightdeck-error.js';
import type { ClusterClient } from './create-cluster-access.js';
import { type DeploymentRef, describeDeployment } from './deployment-ref.js';
import { rolloutStatus } from './rollout-status.js';
import { toK8sError } from './to-k8s-error.js';

export interface WaitForRolloutOptions {
  /** Epoch ms after which the wait fails with FlightdeckError('rollout-timeout'). */
  deadline: number;
  /** Clock for `deadline`; injected so the engine controls time. */
  now: () => number;
  /** Aborting stops the watch and rejects with `signal.reason` if it is a FlightdeckError, else 'internal'. */
  signal?: AbortSignal;
  /** Called with kubectl's status message whenever it changes. Must not throw. */
  onProgress?: (message: string) => void;
}

/** Consecutive watch attempts that end without a single event before the wait gives up as k8s-unavailable. */
const MAX_FRUITLESS_WATCHES = 5;

type WatchOutcome =
  | { kind: 'done'; message: string }
  | { kind: 'closed'; sawEvent: boolean; error?: unknown }
  | { kind: 'expired' };

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * Waits until `kubectl rollout status` would report success, by list + watch (never polling): it reads the
 * Deployment, then watches from that list's resourceVersion. A dropped watch resumes from the last
 * resourceVersion seen; a 410 Expired re-lists first, so the end of the rollout is never missed.
 *
 * Resolves with kubectl's success message. Throws FlightdeckError: 'rollout-failed' when the progress deadline
 * is exceeded, 'rollout-timeout' when `deadline` passes, 'k8s-not-found' if the Deployment is deleted,
 * the toK8sError mapping for API failures (after MAX_FRUITLESS_WATCHES for a watch that keeps failing).
 */
export async function waitForRollout(client: ClusterClient, ref: DeploymentRef, options: WaitForRolloutOptions): Promise<{ message: string }> {
  const what = describeDeployment(ref);
  const path = `/apis/apps/v1/namespaces/${encodeURIComponent(ref.namespace)}/deployments`;
  const fieldSelector = `metadata.name=${ref.deployment}`;
  let lastMessage: string | undefined;
  let resourceVersion: string | undefined;
  let fruitless = 0;

  const judge = (d: V1Deployment): { message: string } | undefined => {
    const verdict = rolloutStatus(d);
    if (verdict.message !== lastMessage) {
      lastMessage = verdict.message;
      options.onProgress?.(verdict.message);
    }
    if (verdict.failed) {
      throw new FlightdeckError('rollout-failed', `${what}: ${verdict.message}`, {
        remedy: 'The new pods never became ready; check their events and logs (kubectl describe pod).',
      });
    }
    return verdict.done ? { message: verdict.message } : undefined;
  };

  const stopIfOver = () => {
    if (options.signal?.aborted) throw aborted(options.signal, what);
    if (options.now() >= options.deadline) throw timedOut(what, lastMessage);
  };

  for (;;) {
    stopIfOver();
    if (resourceVersion === undefined) {
      // A list, not a get: its resourceVersion is the collection's, which a watch can always start from.
      let list;
      try {
        list = await client.apps.listNamespacedDeployment({ namespace: ref.namespace, fieldSelector });
      } catch (err) {
        throw toK8sError(err, 'list', what);
      }
      const d = list.items[0];
      if (!d) throw new FlightdeckError('k8s-not-found', `Cannot watch ${what}: not found`);
      const result = judge(d);
      if (result) return result;
      resourceVersion = list.metadata?.resourceVersion;
      stopIfOver();
    }
    const outcome = await watchOnce(client, path, { fieldSelector, resourceVersion }, options, what, judge, () => lastMessage, (rv) => {
      resourceVersion = rv;
    });
    if (outcome.kind === 'done') return { message: outcome.message };
    if (outcome.kind === 'expired') {
      resourceVersion = undefined;
      continue;
    }
    if (outcome.error !== undefined) {
      const mapped = toK8sError(outcome.error, 'watch', what);
      if (!mapped.retryable) throw mapped;
      fruitless = outcome.sawEvent ? 0 : fruitless + 1;
      if (fruitless >= MAX_FRUITLESS_WATCHES) throw mapped;
      await sleep(Math.min(2000, 100 * 2 ** fruitless));
    } else {
      fruitless = outcome.sawEvent ? 0 : fruitless + 1;
      if (fruitless >= MAX_FRUITLESS_WATCHES) await sleep(500);
    }
  }
}

/** One watch connection, settled by the rollout's end, a deadline, an abort, a 410, or the stream closing. */
function watchOnce(
  client: ClusterClient,
  path: string,
  query: { fieldSelector: string; resourceVersion: string | undefined },
  options: WaitForRolloutOptions,
  what: string,
  judge: (d: V1Deployment) => { message: string } | undefined,
  lastMessage: () => string | undefined,
  onResourceVersion: (rv: string) => void,
): Promise<WatchOutcome> {
  return new Promise<WatchOutcome>((resolve, reject) => {
    let settled = false;
    let sawEvent = false;
    let controller: AbortController | undefined;
    const finish = (fn: () => void) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      options.signal?.removeEventListener('abort', onAbort);
      controller?.abort();
      fn();
    };
    const onAbort = () => finish(() => reject(aborted(options.signal, what)));
    const remaining = Math.max(0, Math.min(options.deadline - options.now(), 2_147_483_647));
    const timer = setTimeout(() => finish(() => reject(timedOut(what, lastMessage()))), remaining);
    options.signal?.addEventListener('abort', onAbort, { once: true });

    const onEvent = (type: string, obj: unknown) => {
      if (settled) return;
      sawEvent = true;
      const o = obj as V1Deployment & { code?: number; reason?: string; message?: string };
      if (type === 'ERROR') {
        if (o.code === 410) finish(() => resolve({ kind: 'expired' }));
        else finish(() => resolve({ kind: 'closed', sawEvent, error: Object.assign(new Error(o.message ?? 'watch error'), { statusCode: o.code ?? 500 }) }));
        return;
      }
      const rv = o.metadata?.resourceVersion;
      if (rv) onResourceVersion(rv);
      if (type === 'BOOKMARK') return;
      if (type === 'DELETED') {
        finish(() => reject(new FlightdeckError('k8s-not-found', `${what} was deleted while waiting for its rollout`)));
        return;
      }
      try {
        const result = judge(o);
        if (result) finish(() => resolve({ kind: 'done', message: result.message }));
      } catch (err) {
        finish(() => reject(err));
      }
    };
    const onDone = (err: unknown) => {
      const status = (err as { statusCode?: number } | null)?.statusCode;
      if (status === 410) finish(() => resolve({ kind: 'expired' }));
      else finish(() => resolve({ kind: 'closed', sawEvent, ...(err ? { error: err } : {}) }));
    };
    new Watch(client.kubeConfig)
      .watch(path, { ...query, allowWatchBookmarks: true }, onEvent, onDone)
      .then((c) => {
        controller = c;
        if (settled) c.abort();
      })
      .catch((err: unknown) => finish(() => resolve({ kind: 'closed', sawEvent, error: err })));
  });
}

function timedOut(what: string, lastMessage: string | undefined): FlightdeckError {
  return new FlightdeckError('rollout-timeout', `Timed out waiting for the rollout of ${what}${lastMessage ? ` (last status: ${lastMessage})` : ''}`, {
    remedy: 'Check the rollout with kubectl rollout status, or raise the step timeout.',
  });
}

function aborted(signal: AbortSignal | undefined, what: string): FlightdeckError {
  const reason: unknown = signal?.reason;
  if (reason instanceof FlightdeckError) return reason;
  return new FlightdeckError('internal', `Stopped waiting for the rollout of ${what}: cancelled`, { cause: reason });
}
