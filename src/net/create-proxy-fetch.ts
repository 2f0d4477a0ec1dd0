import { Agent, Dispatcher, fetch as undiciFetch, ProxyAgent } from 'undici';
import { proxyFor, type ProxySettings } from '../config/proxy-settings.js';

/**
 * An undici dispatcher that sends each request through the proxy {@link proxyFor} names for its origin, or
 * directly. One rule for every fetch-based client (the Slack Web API, Socket Mode, Prometheus) instead of
 * each library's own reading of the environment. Proxied requests are tunnelled with CONNECT, for `http:`
 * too (undici's default), so a proxy sees only host and port. HTTP/1.1 only: Socket Mode's WebSocket needs a
 * socket of its own.
 */
class ProxyRoutingDispatcher extends Dispatcher {
  private readonly direct = new Agent({ allowH2: false });
  private readonly viaProxy = new Map<string, ProxyAgent>();

  constructor(private readonly settings: ProxySettings) {
    super();
  }

  override dispatch(options: Dispatcher.DispatchOptions, handler: Dispatcher.DispatchHandler): boolean {
    const proxy = options.origin === undefined ? undefined : proxyFor(this.settings, String(options.origin));
    return (proxy === undefined ? this.direct : this.agentFor(proxy)).dispatch(options, handler);
  }

  private agentFor(proxy: URL): ProxyAgent {
    let agent = this.viaProxy.get(proxy.href);
    if (agent === undefined) {
      agent = new ProxyAgent({ uri: proxy.href, allowH2: false });
      this.viaProxy.set(proxy.href, agent);
    }
    return agent;
  }

  override close(): Promise<void>;
  override close(callback: () => void): void;
  override close(callback?: () => void): Promise<void> | void {
    const closed = Promise.all([this.direct, ...this.viaProxy.values()].map((d) => d.close())).then(() => undefined);
    if (callback === undefined) return closed;
    void closed.then(callback);
  }

  override destroy(): Promise<void>;
  override destroy(err: Error | null): Promise<void>;
  override destroy(callback: () => void): void;
  override destroy(err: Error | null, callback: () => void): void;
  override destroy(first?: Error | null | (() => void), second?: () => void): Promise<void> | void {
    const err = typeof first === 'function' ? null : (first ?? null);
    const callback = typeof first === 'function' ? first : second;
    const destroyed = Promise.all([this.direct, ...this.viaProxy.values()].map((d) => d.destroy(err))).then(() => undefined);
    if (callback === undefined) return destroyed;
    void destroyed.then(callback);
  }
}

/** The dispatcher for `settings`: hand it to undici's fetch or WebSocket (Socket Mode takes it as `dispatcher`). */
export function createProxyDispatcher(settings: ProxySettings): Dispatcher {
  return new ProxyRoutingDispatcher(settings);
}

/**
 * A WHATWG fetch that honours `settings`. With no proxy set it is Node's own fetch, so nothing changes for
 * installations without a proxy. Typed as the global fetch: undici's Response is the one Node's fetch returns.
 */
export function createProxyFetch(settings: ProxySettings): typeof fetch {
  if (settings.http === undefined && settings.https === undefined) return fetch;
  const dispatcher = createProxyDispatcher(settings);
  const proxied = (input: Parameters<typeof undiciFetch>[0], init?: Parameters<typeof undiciFetch>[1]) => undiciFetch(input, { ...init, dispatcher });
  return proxied as unknown as typeof fetch;
}
