import { BlockList, isIP } from 'node:net';

/** One `NO_PROXY` entry: every host, a domain and its subdomains, or an IP address or CIDR block; any port unless given. */
export type NoProxyEntry = { kind: 'all' } | { kind: 'domain'; domain: string; port?: number } | { kind: 'ip'; block: BlockList; port?: number };

/**
 * The outbound proxies of `HTTP_PROXY`, `HTTPS_PROXY` and `NO_PROXY` (or their lowercase forms), parsed once
 * by loadEnv. Every outbound client (Slack, PagerDuty, Prometheus, Kubernetes) asks {@link proxyFor}.
 */
export interface ProxySettings {
  /** `http_proxy`/`HTTP_PROXY`: the proxy for `http:` URLs; undefined sends them direct. */
  http: URL | undefined;
  /** `https_proxy`/`HTTPS_PROXY`: the proxy for `https:` (and `wss:`) URLs; undefined sends them direct, as curl does. */
  https: URL | undefined;
  /** `no_proxy`/`NO_PROXY`: destinations reached directly even when a proxy is set. */
  noProxy: readonly NoProxyEntry[];
}

export const NO_PROXIES: ProxySettings = { http: undefined, https: undefined, noProxy: [] };

/**
 * The proxy a request to `target` goes through, or undefined for a direct connection. Loopback is not
 * special: as with curl, `localhost` and `127.0.0.1` go through the proxy unless NO_PROXY names them.
 */
export function proxyFor(settings: ProxySettings, target: URL | string): URL | undefined {
  const url = typeof target === 'string' ? new URL(target) : target;
  const secure = url.protocol === 'https:' || url.protocol === 'wss:';
  const proxy = secure ? settings.https : url.protocol === 'http:' || url.protocol === 'ws:' ? settings.http : undefined;
  if (proxy === undefined) return undefined;
  const host = url.hostname.replace(/^\[|\]$/g, '').toLowerCase();
  const port = Number(url.port) || (secure ? 443 : 80);
  return settings.noProxy.some((entry) => bypasses(entry, host, port)) ? undefined : proxy;
}

function bypasses(entry: NoProxyEntry, host: string, port: number): boolean {
  if (entry.kind === 'all') return true;
  if (entry.port !== undefined && entry.port !== port) return false;
  if (entry.kind === 'domain') return host === entry.domain || host.endsWith(`.${entry.domain}`);
  const family = isIP(host);
  return family !== 0 && entry.block.check(host, family === 4 ? 'ipv4' : 'ipv6');
}

/**
 * A proxy variable's value as a URL: `http://` or `https://`, or a bare `host:port`, which means `http://` as
 * it does for curl. Returns the problem (without the value, which may hold a password) when it is not one.
 */
export function parseProxyUrl(text: string): URL | { problem: string } {
  const withScheme = /^[A-Za-z][A-Za-z0-9+.-]*:\/\//.test(text) ? text : `http://${text}`;
  let url: URL;
  try {
    url = new URL(withScheme);
  } catch {
    return { problem: 'is not a URL' };
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') return { problem: `has the scheme ${url.protocol}// (only http:// and https:// proxies are supported)` };
  if (url.hostname === '') return { problem: 'names no host' };
  return url;
}

/**
 * `NO_PROXY`: entries separated by commas or spaces. `*` alone bypasses every proxy; `example.com`,
 * `.example.com` and `*.example.com` all match example.com and its subdomains; `10.0.0.1` and `10.0.0.0/8`
 * (IPv4 or IPv6) match addresses written in a URL, not names that resolve to them; any entry may end in
 * `:port`. Returns the first entry that is none of these.
 */
export function parseNoProxy(text: string): { entries: NoProxyEntry[] } | { bad: string } {
  const entries: NoProxyEntry[] = [];
  for (const raw of text.split(/[\s,]+/).filter((part) => part !== '')) {
    const entry = parseEntry(raw);
    if (entry === undefined) return { bad: raw };
    entries.push(entry);
  }
  return { entries };
}

function parseEntry(raw: string): NoProxyEntry | undefined {
  if (raw === '*') return { kind: 'all' };
  const split = /^\[([0-9A-Fa-f:.]+)\](?::(\d{1,5}))?$/.exec(raw) ?? /^([^:]+)(?::(\d{1,5}))?$/.exec(raw) ?? /^([0-9A-Fa-f:]+(?:\/\d{1,3})?)()$/.exec(raw);
  if (!split) return undefined;
  const port = split[2] ? Number(split[2]) : undefined;
  if (port !== undefined && (port < 1 || port > 65535)) return undefined;
  const withPort = <T extends NoProxyEntry>(entry: T): T => (port === undefined ? entry : { ...entry, port });
  const [address, prefix] = split[1]!.split('/');
  const family = isIP(address!);
  if (family !== 0) {
    const type = family === 4 ? 'ipv4' : 'ipv6';
    const bits = prefix === undefined ? (family === 4 ? 32 : 128) : Number(prefix);
    if (!/^\d*$/.test(prefix ?? '') || bits > (family === 4 ? 32 : 128)) return undefined;
    const block = new BlockList();
    block.addSubnet(address!, bits, type);
    return withPort({ kind: 'ip', block });
  }
  const domain = split[1]!.toLowerCase().replace(/^\*?\./, '');
  if (prefix !== undefined || !/^[a-z0-9-]+(\.[a-z0-9-]+)*$/.test(domain)) return undefined;
  return withPort({ kind: 'domain', domain });
}
