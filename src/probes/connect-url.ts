import type { ConnectToRule } from '../config/connect-to-rules.js';

const DEFAULT_PORTS: Record<string, number> = { 'http:': 80, 'https:': 443 };

/**
 * The URL to connect to for `url` under `PROBE_CONNECT_TO` rules: the first rule matching its host and
 * port replaces both; no match leaves the URL as it is. Path, query and credentials are kept.
 */
export function connectUrl(url: string, rules: readonly ConnectToRule[]): string {
  if (rules.length === 0) return url;
  const parsed = new URL(url);
  const host = parsed.hostname.toLowerCase();
  const port = parsed.port === '' ? DEFAULT_PORTS[parsed.protocol] : Number(parsed.port);
  const rule = rules.find((candidate) =>
    candidate.port === port && (candidate.host.startsWith('*.') ? host.endsWith(candidate.host.slice(1)) : host === candidate.host),
  );
  if (!rule) return url;
  parsed.hostname = rule.to.host;
  parsed.port = String(rule.to.port);
  return parsed.href;
}
