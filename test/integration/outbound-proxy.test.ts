import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Watch } from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadEnv } from '../../src/config/load-env.js';
import type { ProxySettings } from '../../src/config/proxy-settings.js';
import { createClusterAccess } from '../../src/k8s/create-cluster-access.js';
import { createOutboundTransport, createProxyFetch } from '../../src/net/create-outbound-transport.js';
import { createPagerDutyClient } from '../../src/pagerduty/create-pagerduty-client.js';
import { createPrometheusProbe } from '../../src/probes/prometheus-probe.js';
import { prometheusProbeSchema } from '../../src/probes/probe-types.js';
import { createSlackClient } from '../../src/slack/slack-notifier.js';
import { startKubernetesEmulator, type KubernetesEmulator } from '../../sandbox/kubernetes/index.js';
import { writeKubeconfig } from '../../sandbox/kubernetes/write-kubeconfig.js';
import { startPagerDutyEmulator, type PagerDutyEmulator } from '../../sandbox/pagerduty/index.js';
import { startPrometheusEmulator, type PrometheusEmulator } from '../../sandbox/prometheus/index.js';
import { startSlackEmulator, type SlackEmulator } from '../../sandbox/slack/index.js';
import { type ConnectProxy, startConnectProxy } from '../support/connect-proxy.js';

/*
 * Every outbound client honours HTTPS_PROXY / HTTP_PROXY / NO_PROXY as loadEnv parsed them. The emulators
 * listen on 127.0.0.1; a client addressing one as `localhost` must tunnel through the proxy, and one
 * addressing it as `127.0.0.1` (in NO_PROXY) must connect directly: the proxy records every CONNECT.
 */

const PROXY_USER = 'egress';
const PROXY_PASSWORD = 'p@ss word';
const BASIC = `Basic ${Buffer.from(`${PROXY_USER}:${PROXY_PASSWORD}`).toString('base64')}`;

let proxy: ConnectProxy;
let other: ConnectProxy;
let slack: SlackEmulator;
let pagerduty: PagerDutyEmulator;
let prometheus: PrometheusEmulator;
let k8s: KubernetesEmulator;
let dir: string;
let settings: ProxySettings;

const viaName = (url: string) => url.replace('//127.0.0.1:', '//localhost:');
const portOf = (url: string) => new URL(url.includes('://') ? url : `https://${url}`).port;

/** What the proxy tunnelled while `act` ran, as `host:port` in order. */
async function tunnelledDuring(act: () => Promise<unknown>, through = proxy): Promise<string[]> {
  const before = through.tunnels.length;
  await act();
  return through.tunnels.slice(before).map((t) => t.target);
}

beforeAll(async () => {
  [proxy, other, slack, pagerduty, prometheus, k8s] = await Promise.all([
    startConnectProxy(),
    startConnectProxy(),
    startSlackEmulator({ channels: ['C0DEPLOY'] }),
    startPagerDutyEmulator(),
    startPrometheusEmulator(),
    startKubernetesEmulator({ tls: true }),
  ]);
  k8s.seedDeployment({ namespace: 'shop', name: 'api', container: 'api', image: 'registry.example.com/acme/api:v1.0.0', replicas: 1 });
  dir = mkdtempSync(join(tmpdir(), 'flightdeck-proxy-'));
  const withCredentials = new URL(proxy.url);
  withCredentials.username = PROXY_USER;
  withCredentials.password = encodeURIComponent(PROXY_PASSWORD);
  settings = loadEnv({
    SLACK_BOT_TOKEN: 'xoxb-proxy-test',
    FLIGHTDECK_ROLE: 'worker',
    https_proxy: withCredentials.href,
    HTTP_PROXY: withCredentials.href,
    // The uppercase form is ignored when the lowercase one is set, as curl does.
    HTTPS_PROXY: 'http://127.0.0.1:9',
    NO_PROXY: '127.0.0.1',
  }).proxy;
});

afterAll(async () => {
  await Promise.all([proxy?.close(), other?.close(), slack?.close(), pagerduty?.close(), prometheus?.close(), k8s?.close()]);
});

describe('the Slack Web API client', () => {
  it('tunnels through the proxy, with its credentials, unless NO_PROXY names the host', async () => {
    const send = createProxyFetch(settings);
    const proxied = createSlackClient({ token: slack.token, apiUrl: viaName(slack.apiUrl), fetch: send });
    const port = portOf(slack.url);
    expect(await tunnelledDuring(() => proxied.auth.test())).toEqual([`localhost:${port}`]);
    expect(proxy.tunnels.at(-1)).toEqual({ target: `localhost:${port}`, authorization: BASIC, requests: ['POST /api/auth.test'] });

    const direct = createSlackClient({ token: slack.token, apiUrl: slack.apiUrl, fetch: send });
    expect(await tunnelledDuring(() => direct.chat.postMessage({ channel: 'C0DEPLOY', text: 'direct' }))).toEqual([]);
    expect(slack.calls.filter((c) => c.method === 'chat.postMessage')).toHaveLength(1);
  });

  it("sends a response URL's answer (postJson) the same way", async () => {
    const transport = createOutboundTransport(settings);
    const url = slack.responseUrl({ channelId: 'C0DEPLOY', userId: 'U0ALICE' });
    const port = portOf(slack.url);
    expect(await tunnelledDuring(async () => expect(await transport.postJson(viaName(url), { text: 'via the proxy' })).toEqual({ status: 200, text: expect.any(String) }))).toEqual([`localhost:${port}`]);
    expect(await tunnelledDuring(() => transport.postJson(url, { text: 'direct' }))).toEqual([]);
    expect(slack.responses.filter((r) => r.url.endsWith(new URL(url).pathname)).map((r) => r.body.text)).toEqual(['via the proxy', 'direct']);
    await transport.dispatcher?.destroy();
  });
});

describe('the PagerDuty client', () => {
  it('tunnels the Events API (https, checked against its CA inside the tunnel) and the REST API', async () => {
    const client = createPagerDutyClient({ eventsServer: pagerduty.eventsServer.replace('127.0.0.1', 'localhost'), apiUrl: viaName(pagerduty.apiUrl), apiToken: pagerduty.apiToken, ca: pagerduty.ca, proxy: settings });
    const trigger = { routingKey: pagerduty.routingKey, dedupKey: 'proxy-test', summary: 'through the proxy', source: 'flightdeck', severity: 'critical' } as const;
    expect(await tunnelledDuring(() => client.trigger(trigger))).toEqual([`localhost:${portOf(pagerduty.eventsServer)}`]);
    expect(proxy.tunnels.at(-1)?.authorization).toBe(BASIC);
    expect(pagerduty.incidents.map((i) => i.dedupKey)).toContain('proxy-test');
    expect(await tunnelledDuring(() => client.findOnCallEmails('PNOBODY'))).toEqual([`localhost:${portOf(pagerduty.apiUrl)}`]);
  });

  it('connects directly to a host NO_PROXY names', async () => {
    const client = createPagerDutyClient({ eventsServer: pagerduty.eventsServer, apiUrl: pagerduty.apiUrl, apiToken: pagerduty.apiToken, ca: pagerduty.ca, proxy: settings });
    const trigger = { routingKey: pagerduty.routingKey, dedupKey: 'direct-test', summary: 'direct', source: 'flightdeck', severity: 'critical' } as const;
    expect(await tunnelledDuring(() => Promise.all([client.trigger(trigger), client.findOnCallEmails('PNOBODY')]))).toEqual([]);
    expect(pagerduty.incidents.map((i) => i.dedupKey)).toContain('direct-test');
  });
});

describe('the Prometheus probe', () => {
  it('queries through the proxy unless NO_PROXY names the server', async () => {
    prometheus.setQueryResult('up', 1);
    const probe = createPrometheusProbe(createProxyFetch(settings));
    const spec = (url: string) => prometheusProbeSchema.parse({ type: 'prometheus', query: 'up', below: 1, url });
    const ctx = { signal: new AbortController().signal, timeoutMs: 5000, now: () => Date.now() };
    let outcome = '';
    expect(await tunnelledDuring(async () => (outcome = (await probe.measure(spec(viaName(prometheus.url)), ctx)).outcome))).toEqual([`localhost:${portOf(prometheus.url)}`]);
    expect(outcome).toBe('successful');
    expect(proxy.tunnels.at(-1)?.requests).toEqual([`GET /api/v1/query?query=up`]);
    expect(await tunnelledDuring(() => probe.measure(spec(prometheus.url), ctx))).toEqual([]);
    expect(prometheus.queries).toHaveLength(2);
  });
});

describe('the Kubernetes client', () => {
  function clusterAt(name: string, server: string, proxyUrl?: string): ReturnType<ReturnType<typeof createClusterAccess>['forContext']> {
    const path = join(dir, `${name}.kubeconfig`);
    writeKubeconfig(path, [{ context: name, server, token: k8s.token, caPem: k8s.caPem!, ...(proxyUrl ? { proxyUrl } : {}) }]);
    return createClusterAccess({ kubeconfigPath: path, proxy: settings }).forContext(name);
  }
  const read = (client: ReturnType<typeof clusterAt>) => client.apps.readNamespacedDeployment({ namespace: 'shop', name: 'api' });

  it('sends API calls and watches through the environment proxy (TLS to the API server inside the tunnel)', async () => {
    const client = clusterAt('named', viaName(k8s.url));
    const target = `localhost:${portOf(k8s.url)}`;
    expect(await tunnelledDuring(() => read(client))).toEqual([target]);
    expect(proxy.tunnels.at(-1)?.authorization).toBe(BASIC);
    // A watch without a resourceVersion starts with an ADDED event for every object there is.
    const firstEvent = async () => {
      let added!: () => void;
      const seen = new Promise<void>((resolve) => (added = resolve));
      const controller = await new Watch(client.kubeConfig).watch('/apis/apps/v1/namespaces/shop/deployments', {}, (type) => (type === 'ADDED' ? added() : undefined), () => undefined);
      await seen;
      controller.abort();
    };
    expect(await tunnelledDuring(firstEvent)).toEqual([target]);
  });

  it("keeps a kubeconfig cluster's own proxy-url over the environment's", async () => {
    const client = clusterAt('own-proxy', viaName(k8s.url), other.url);
    const throughOther = other.tunnels.length;
    expect(await tunnelledDuring(() => read(client))).toEqual([]);
    expect(other.tunnels.slice(throughOther).map((t) => t.target)).toEqual([`localhost:${portOf(k8s.url)}`]);
  });

  it('connects directly to a server NO_PROXY names', async () => {
    const client = clusterAt('direct', k8s.url);
    expect(await tunnelledDuring(() => read(client))).toEqual([]);
  });
});
