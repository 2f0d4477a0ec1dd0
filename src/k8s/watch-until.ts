import { Watch } from '@kubernetes/client-node';
import { FlightdeckError } from '../errors/flightdeck-error.js';
import type { ClusterClient } from './create-cluster-access.js';
import { toK8sError } from './to-k8s-error.js';

export interface WatchUntilOptions<T> {
  /** Collection path to watch, e.g. `/apis/batch/v1/namespaces/prod/jobs`. */
  path: string;
  /** Narrows the watch to one object, e.g. `metadata.name=smoke`. */
  fieldSelector: string;
  /** `job prod/smoke`, for messages. */
  what: string;
  /** Lists the same collection with the same selector; its resourceVersion starts the watch. */
  list: () => Promise<{ items: unknown[]; resourceVersion: string | undefined }>;
  /** The verdict on one version of the object: a value ends the wait; a throw ends it with that error. */
  judge: (obj: unknown) => T | undefined;
  /** Epoch ms; when passed the wait throws `timeout()`. */
  deadline: number;
  now: () => number;
  timeout: () => FlightdeckError;
  /** Aborting rejects with `signal.reason` if it is a FlightdeckError, else FlightdeckError('internal'). */
  signal?: AbortSignal;
}

/** Consecutive watch attempts that end without a single event before giving up as k8s-unavailable. */
const MAX_FRUITLESS_WATCHES = 5;

type Outcome<T> = { kind: 'done'; value: T } | { kind: 'closed'; sawEvent: boolean; error?: unknown } | { kind: 'expired' } | { kind: 'dead' };

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * List + watch one object until `judge` returns a value, never polling. A dropped watch resumes from the last
 * resourceVersion seen; a 410 Expired re-lists first, so no transition is missed. Each watch asks the server to
 * end it after `client.watchTimeoutMs`; one still open `client.requestTimeoutMs` later is a connection that died
 * without closing (it would hang until the deadline), so it is dropped and the object re-listed. A missing object
 * is k8s-not-found; API failures map through toK8sError (a watch that keeps failing gives up after
 * MAX_FRUITLESS_WATCHES attempts).
 */
export async function watchUntil<T>(client: ClusterClient, o: WatchUntilOptions<T>): Promise<T> {
  let resourceVersion: string | undefined;
  let fruitless = 0;
  const stopIfOver = () => {
    if (o.signal?.aborted) throw aborted(o.signal, o.what);
    if (o.now() >= o.deadline) throw o.timeout();
  };
  for (;;) {
    if (resourceVersion === undefined) {
      // The list comes before the deadline: a wait that starts late (its job was handed on from a dead worker)
      // must still see an object that has already got there, instead of timing out without looking.
      if (o.signal?.aborted) throw aborted(o.signal, o.what);
      let listed: Awaited<ReturnType<typeof o.list>>;
      try {
        listed = await o.list();
      } catch (err) {
        stopIfOver();
        throw toK8sError(err, 'list', o.what);
      }
      const obj = listed.items[0];
      if (!obj) throw new FlightdeckError('k8s-not-found', `Cannot watch ${o.what}: not found`);
      const verdict = o.judge(obj);
      if (verdict !== undefined) return verdict;
      resourceVersion = listed.resourceVersion;
    }
    stopIfOver();
    const outcome = await watchOnce(client, o, resourceVersion, (rv) => {
      resourceVersion = rv;
    });
    if (outcome.kind === 'done') return outcome.value;
    if (outcome.kind === 'expired' || outcome.kind === 'dead') {
      resourceVersion = undefined;
      continue;
    }
    fruitless = outcome.sawEvent ? 0 : fruitless + 1;
    if (outcome.error !== undefined) {
      const mapped = toK8sError(outcome.error, 'watch', o.what);
      if (!mapped.retryable || fruitless >= MAX_FRUITLESS_WATCHES) throw mapped;
      await sleep(Math.min(2000, 100 * 2 ** fruitless));
    } else if (fruitless >= MAX_FRUITLESS_WATCHES) {
      await sleep(500);
    }
  }
}

function watchOnce<T>(client: ClusterClient, o: WatchUntilOptions<T>, resourceVersion: string | undefined, onRv: (rv: string) => void): Promise<Outcome<T>> {
  return new Promise<Outcome<T>>((resolve, reject) => {
    let settled = false;
    let sawEvent = false;
    let controller: AbortController | undefined;
    const finish = (fn: () => void) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      clearTimeout(deadStream);
      o.signal?.removeEventListener('abort', onAbort);
      controller?.abort();
      fn();
    };
    const onAbort = () => finish(() => reject(aborted(o.signal, o.what)));
    const timer = setTimeout(() => finish(() => reject(o.timeout())), Math.max(0, Math.min(o.deadline - o.now(), 2_147_483_647)));
    const timeoutSeconds = Math.max(1, Math.ceil(client.watchTimeoutMs / 1000));
    const deadStream = setTimeout(() => finish(() => resolve({ kind: 'dead' })), timeoutSeconds * 1000 + client.requestTimeoutMs);
    o.signal?.addEventListener('abort', onAbort, { once: true });
    const onEvent = (type: string, obj: unknown) => {
      if (settled) return;
      sawEvent = true;
      const e = obj as { code?: number; message?: string; metadata?: { resourceVersion?: string } };
      if (type === 'ERROR') {
        if (e.code === 410) finish(() => resolve({ kind: 'expired' }));
        else finish(() => resolve({ kind: 'closed', sawEvent, error: Object.assign(new Error(e.message ?? 'watch error'), { statusCode: e.code ?? 500 }) }));
        return;
      }
      if (e.metadata?.resourceVersion) onRv(e.metadata.resourceVersion);
      if (type === 'BOOKMARK') return;
      if (type === 'DELETED') {
        finish(() => reject(new FlightdeckError('k8s-not-found', `${o.what} was deleted while waiting for it`)));
        return;
      }
      try {
        const verdict = o.judge(obj);
        if (verdict !== undefined) finish(() => resolve({ kind: 'done', value: verdict }));
      } catch (err) {
        finish(() => reject(err));
      }
    };
    const onDone = (err: unknown) => {
      if ((err as { statusCode?: number } | null)?.statusCode === 410) finish(() => resolve({ kind: 'expired' }));
      else finish(() => resolve({ kind: 'closed', sawEvent, ...(err ? { error: err } : {}) }));
    };
    new Watch(client.kubeConfig)
      .watch(o.path, { fieldSelector: o.fieldSelector, resourceVersion, allowWatchBookmarks: true, timeoutSeconds }, onEvent, onDone)
      .then((c) => {
        controller = c;
        if (settled) c.abort();
      })
      .catch((err: unknown) => finish(() => resolve({ kind: 'closed', sawEvent, error: err })));
  });
}

function aborted(signal: AbortSignal | undefined, what: string): FlightdeckError {
  const reason: unknown = signal?.reason;
  if (reason instanceof FlightdeckError) return reason;
  return new FlightdeckError('internal', `Stopped waiting for ${what}: cancelled`, { cause: reason });
}
