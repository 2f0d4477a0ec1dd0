import type { KubernetesEmulator, RecordedRequest } from '../../sandbox/kubernetes/index.js';

/** A Kubernetes API request with the bench's clock at the moment the emulator logged it (on arrival). */
export interface TimedRequest {
  at: number;
  method: string;
  path: string;
  watch: boolean;
  /** The namespace in the path; every benchmark service has a namespace of its own. */
  namespace: string | undefined;
}

/**
 * Records every request `k8s` logs from now on, stamped with `Date.now()` when logged. The emulator logs a
 * request as it arrives, before handling it, so the stamp is the arrival time.
 */
export function timeRequests(k8s: KubernetesEmulator): TimedRequest[] {
  const timed: TimedRequest[] = [];
  const log = k8s.requests;
  const push = log.push.bind(log);
  log.push = (...items: RecordedRequest[]) => {
    const at = Date.now();
    for (const request of items) {
      timed.push({
        at,
        method: request.method,
        path: request.path,
        watch: request.query.watch === 'true' || request.query.watch === '1',
        namespace: /\/namespaces\/([^/]+)/.exec(request.path)?.[1],
      });
    }
    return push(...items);
  };
  return timed;
}
