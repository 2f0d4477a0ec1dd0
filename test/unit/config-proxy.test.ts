import { inspect } from 'node:util';
import { describe, expect, it } from 'vitest';
import { loadEnv } from '../../src/config/load-env.js';
import { parseNoProxy, proxyFor, type ProxySettings } from '../../src/config/proxy-settings.js';
import { FlightdeckError } from '../../src/errors/flightdeck-error.js';

const BASE = { SLACK_BOT_TOKEN: 'xoxb-1', SLACK_SIGNING_SECRET: 'signing' };
const HTTP = new URL('http://proxy.corp:3128');
const HTTPS = new URL('http://tls-proxy.corp:3128');

function settings(noProxy: string): ProxySettings {
  const parsed = parseNoProxy(noProxy);
  if (!('entries' in parsed)) throw new Error(`bad entry ${parsed.bad}`);
  return { http: HTTP, https: HTTPS, noProxy: parsed.entries };
}

describe('proxyFor', () => {
  it.each([
    // [NO_PROXY, target, expected proxy]
    ['', 'https://slack.com/api/', HTTPS],
    ['', 'http://prometheus.monitoring:9090', HTTP],
    ['', 'wss://wss-primary.slack.com/link', HTTPS],
    ['', 'http://127.0.0.1:8080', HTTP],
    ['', 'http://localhost:8080', HTTP],
    ['*', 'https://slack.com/api/', undefined],
    ['slack.com', 'https://slack.com/api/', undefined],
    ['slack.com', 'https://wss-primary.slack.com/', undefined],
    ['.slack.com', 'https://slack.com/', undefined],
    ['*.slack.com', 'https://api.slack.com/', undefined],
    ['slack.com', 'https://notslack.com/', HTTPS],
    ['SLACK.com', 'https://Slack.COM/', undefined],
    ['svc:443', 'https://kubernetes.default.svc/', undefined],
    ['svc:443', 'http://api.shop.svc/', HTTP],
    ['10.0.0.0/8', 'https://10.96.0.1:443/', undefined],
    ['10.0.0.0/8', 'https://11.0.0.1/', HTTPS],
    ['10.96.0.1', 'https://10.96.0.1/', undefined],
    ['10.96.0.1:6443', 'https://10.96.0.1/', HTTPS],
    ['::1', 'http://[::1]:9090/', undefined],
    ['[::1]:9090', 'http://[::1]:9090/', undefined],
    ['fd00::/8', 'https://[fd12::1]/', undefined],
    ['localhost, 127.0.0.1', 'http://127.0.0.1:8080', undefined],
    ['localhost 127.0.0.1', 'http://localhost:8080', undefined],
    ['127.0.0.1', 'http://localhost:8080', HTTP],
  ])('NO_PROXY %j sends %s through %s', (noProxy, target, expected) => {
    expect(proxyFor(settings(noProxy), target)?.href).toBe(expected?.href);
  });

  it('sends https direct when only HTTP_PROXY is set, as curl does', () => {
    expect(proxyFor({ http: HTTP, https: undefined, noProxy: [] }, 'https://slack.com/')).toBeUndefined();
    expect(proxyFor({ http: HTTP, https: undefined, noProxy: [] }, 'http://slack.com/')?.href).toBe(HTTP.href);
  });

  it.each(['10.0.0.0/33', 'host:0', 'host:99999', 'a/b', 'http://x', 'bad..domain'])('refuses the NO_PROXY entry %j', (entry) => {
    expect(parseNoProxy(`localhost,${entry}`)).toEqual({ bad: entry });
  });
});

describe('loadEnv proxy variables', () => {
  it('prefers the lowercase form, takes a bare host:port as http, and keeps the settings out of logs', () => {
    const env = loadEnv({ ...BASE, HTTPS_PROXY: 'http://upper:1', https_proxy: 'user:secret@lower:3128', HTTP_PROXY: 'http://plain:8080', NO_PROXY: 'a.test', no_proxy: 'b.test' });
    expect(env.proxy.https?.href).toBe('http://user:secret@lower:3128/');
    expect(env.proxy.http?.href).toBe('http://plain:8080/');
    expect(proxyFor(env.proxy, 'https://a.test/')).toBeDefined();
    expect(proxyFor(env.proxy, 'https://b.test/')).toBeUndefined();
    expect(JSON.stringify(env)).not.toContain('secret');
    expect(inspect(env)).not.toContain('secret');
  });

  it('has no proxies when none is set', () => {
    expect(loadEnv(BASE).proxy).toEqual({ http: undefined, https: undefined, noProxy: [] });
  });

  it('names each bad variable without echoing a proxy URL', () => {
    let message = '';
    try {
      loadEnv({ ...BASE, HTTPS_PROXY: 'socks5://user:secret@proxy:1080', http_proxy: 'http://', NO_PROXY: 'ok.test,10.0.0.0/99' });
    } catch (err) {
      expect(err).toBeInstanceOf(FlightdeckError);
      message = (err as FlightdeckError).message;
    }
    expect(message.split('\n')).toEqual([
      'http_proxy: is not a URL — set http_proxy to the proxy\'s URL, e.g. http://proxy.example.com:3128, or unset it',
      'HTTPS_PROXY: has the scheme socks5:// (only http:// and https:// proxies are supported) — set HTTPS_PROXY to the proxy\'s URL, e.g. http://proxy.example.com:3128, or unset it',
      'NO_PROXY: "10.0.0.0/99" is not a host, domain, IP address or CIDR block — set NO_PROXY to a comma-separated list, e.g. localhost,127.0.0.1,.svc,10.0.0.0/8',
    ]);
  });
});
