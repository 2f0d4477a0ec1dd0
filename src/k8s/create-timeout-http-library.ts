import { type HttpLibrary, IsomorphicFetchHttpLibrary, ResponseContext, SelfDecodingBody, wrapHttpLibrary } from '@kubernetes/client-node';
import { createKeepAliveAgent } from './keep-alive-agent.js';

/** A Kubernetes API request that got no complete answer in time; toK8sError makes it a retryable k8s-unavailable. */
export class K8sRequestTimeoutError extends Error {
  override readonly name = 'K8sRequestTimeoutError';

  constructor(
    readonly timeoutMs: number,
    cause?: unknown,
  ) {
    super(`no complete answer within ${timeoutMs} ms`, { cause });
  }
}

/**
 * The HTTP layer for client-node's generated API clients (`createConfiguration({ httpApi })`), with a bound on
 * each request: connecting, the answer's headers and its whole body must arrive within `timeoutMs`, else the
 * request is aborted and rejects with K8sRequestTimeoutError. The body is read here, under the same bound,
 * because the generated code reads it after `send` has resolved, where a server that stalls mid-body would
 * otherwise hang the caller. A signal already on the request still aborts it as before. Requests share kept-alive
 * connections (createKeepAliveAgent): one library per cluster client, so one pool of connections per API server.
 *
 * Set on the configuration rather than as a middleware because per-call options (setHeaderOptions) may
 * replace middleware but keep `httpApi`. Watches use their own fetch and are not affected.
 */
export function createTimeoutHttpLibrary(timeoutMs: number): HttpLibrary {
  const inner = new IsomorphicFetchHttpLibrary();
  const keepAlive = createKeepAliveAgent();
  return wrapHttpLibrary({
    async send(request) {
      const agent = keepAlive(request.getAgent());
      if (agent) request.setAgent(agent);
      const timer = AbortSignal.timeout(timeoutMs);
      const own = request.getSignal();
      request.setSignal(own ? AbortSignal.any([own, timer]) : timer);
      try {
        const response = await inner.send(request).toPromise();
        const body = await response.body.binary();
        return new ResponseContext(response.httpStatusCode, response.headers, new SelfDecodingBody(Promise.resolve(body)));
      } catch (err) {
        if (timer.aborted && !own?.aborted) throw new K8sRequestTimeoutError(timeoutMs, err);
        throw err;
      }
    },
  });
}
