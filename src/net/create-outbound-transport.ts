import { Agent, Dispatcher, fetch as undiciFetch, ProxyAgent, request } from 'undici';
import { proxyFor, type ProxySettings } from '../config/proxy-settings.js';
import { readBodyUpTo } from './read-body-up-to.js';

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

/** What a JSON POST got back: the status and the start of the body as text (at most POSTED_TEXT_MAX_BYTES). */
export interface PostedJson {
  status: number;
  text: string;
}

/** Enough for any word Slack answers a response URL with; a peer that sends more (a proxy's error page) is cut off. */
export const POSTED_TEXT_MAX_BYTES = 4096;

/** POSTs `value` as JSON to `url`. Rejects only when no answer came (refused connection, reset, timeout). */
export type PostJson = (url: string, value: unknown) => Promise<PostedJson>;

/** How the fetch-based clients of one process send: one connection pool per proxy, shared by all of them. */
export interface OutboundTransport {
  /** A WHATWG fetch honouring the settings. Typed as the global fetch, whose Response undici's is. */
  fetch: typeof fetch;
  /**
   * The same route for a request that only needs a status and a short text back (a response URL's answer), on
   * the same connections. A sixth of the web process's busy time went to `fetch` when it answered a click through
   * its response URL at 200 a second (BENCHMARKS.md, goal 1); undici's `request` skips the WHATWG streams.
   */
  postJson: PostJson;
  /** The dispatcher behind `fetch`, for Socket Mode's WebSocket; undefined when no proxy is set. */
  dispatcher: Dispatcher | undefined;
}

/** Bounds a POST whose peer accepted the connection but never answers, as the Web API client's timeout does. */
const POST_TIMEOUT_MS = 10_000;

function postJsonVia(dispatcher: Dispatcher | undefined): PostJson {
  return async (url, value) => {
    const res = await request(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(value),
      headersTimeout: POST_TIMEOUT_MS,
      bodyTimeout: POST_TIMEOUT_MS,
      ...(dispatcher ? { dispatcher } : {}),
    });
    // The rest of a longer answer is not read: the body is destroyed, which closes the connection.
    return { status: res.statusCode, text: (await readBodyUpTo(res.body, POSTED_TEXT_MAX_BYTES)).text };
  };
}

/**
 * The transport for `settings`. With no proxy set it is Node's own fetch and undici's global dispatcher, so
 * nothing changes for installations without a proxy.
 */
export function createOutboundTransport(settings: ProxySettings): OutboundTransport {
  if (settings.http === undefined && settings.https === undefined) return { fetch, postJson: postJsonVia(undefined), dispatcher: undefined };
  const dispatcher = new ProxyRoutingDispatcher(settings);
  const proxied = (input: Parameters<typeof undiciFetch>[0], init?: Parameters<typeof undiciFetch>[1]) => undiciFetch(input, { ...init, dispatcher });
  return { fetch: proxied as unknown as typeof fetch, postJson: postJsonVia(dispatcher), dispatcher };
}

/** Just the fetch of {@link createOutboundTransport}, for a client that needs nothing else. */
export function createProxyFetch(settings: ProxySettings): typeof fetch {
  return createOutboundTransport(settings).fetch;
}
