import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/load-config.js';
import { loadEnv } from '../../src/config/load-env.js';
import { createLogger } from '../../src/observability/create-logger.js';
import { startFlightdeck, type Flightdeck } from '../../src/start-flightdeck.js';
import { E2E_CATALOG, E2E_CHECKLIST } from '../e2e/fixtures.js';
import { startKubernetesEmulator, type KubernetesEmulator } from '../../sandbox/kubernetes/index.js';
import { writeKubeconfig } from '../../sandbox/kubernetes/write-kubeconfig.js';
import { SlackDriver, startSlackEmulator, type SlackEmulator } from '../../sandbox/slack/index.js';
import { type ConnectProxy, startConnectProxy } from '../support/connect-proxy.js';
import { freePort } from '../support/free-port.js';
import { waitUntil } from '../support/wait-until.js';

/*
 * `flightdeck serve` as the composition root wires it, in Socket Mode, with HTTPS_PROXY and HTTP_PROXY set and
 * no NO_PROXY: every call to Slack (Bolt's client, Socket Mode's connection, the run notifier) and to the
 * cluster goes through the proxy. Slack's emulator speaks plain HTTP, so the proxy can read which methods
 * each tunnel carried.
 */

let proxy: ConnectProxy;
let slack: SlackEmulator;
let k8s: KubernetesEmulator;
let redis: Redis;
let flightdeck: Flightdeck | undefined;
let port: number;
const prefix = `proxy-${randomBytes(4).toString('hex')}`;

beforeAll(async () => {
  [proxy, slack, k8s] = await Promise.all([startConnectProxy(), startSlackEmulator({ channels: ['C0DEPLOY'] }), startKubernetesEmulator({ tls: true, readyDelayMs: 50 })]);
  k8s.seedDeployment({ namespace: 'shop', name: 'api', container: 'api', image: 'registry.example.com/acme/api:v1.0.0', replicas: 1 });
  const dir = mkdtempSync(join(tmpdir(), 'flightdeck-proxy-serve-'));
  mkdirSync(join(dir, 'checklists'));
  writeFileSync(join(dir, 'flightdeck.yaml'), E2E_CATALOG);
  writeFileSync(join(dir, 'checklists', 'release.yaml'), E2E_CHECKLIST);
  writeKubeconfig(join(dir, 'kubeconfig'), [{ context: 'emulator', server: k8s.url.replace('127.0.0.1', 'localhost'), token: k8s.token, caPem: k8s.caPem! }]);
  redis = new Redis({ host: '127.0.0.1', port: 6379, maxRetriesPerRequest: null });
  port = await freePort();
  const env = loadEnv({
    SLACK_BOT_TOKEN: slack.token,
    SLACK_APP_TOKEN: slack.appToken,
    SLACK_API_URL: slack.apiUrl.replace('127.0.0.1', 'localhost'),
    HTTPS_PROXY: proxy.url,
    HTTP_PROXY: proxy.url,
    REDIS_PREFIX: prefix,
    FLIGHTDECK_CONFIG: join(dir, 'flightdeck.yaml'),
    KUBECONFIG: join(dir, 'kubeconfig'),
    PORT: String(port),
  });
  flightdeck = await startFlightdeck(await loadConfig(env), createLogger('silent'), Date.now, { host: '127.0.0.1' });
  await slack.socketMode.waitForConnection(10_000);
});

afterAll(async () => {
  await flightdeck?.stop();
  const keys = (await redis?.keys(`{${prefix}}*`)) ?? [];
  if (keys.length > 0) await redis.del(...keys);
  redis?.disconnect();
  await Promise.all([proxy?.close(), slack?.close(), k8s?.close()]);
});

/** Every request line the proxy carried to `target`. */
const carried = (target: string) => proxy.tunnels.filter((t) => t.target === target).flatMap((t) => t.requests);

describe('serve behind an HTTPS_PROXY', () => {
  it('opens Socket Mode through the proxy: the Web API call and the WebSocket', () => {
    const slackPort = new URL(slack.url).port;
    expect(carried(`localhost:${slackPort}`)).toEqual(expect.arrayContaining(['POST /api/auth.test', 'POST /api/apps.connections.open']));
    // apps.connections.open answers with a ws:// URL on 127.0.0.1, which goes through the proxy too (no NO_PROXY).
    expect(carried(`127.0.0.1:${slackPort}`)).toEqual([expect.stringMatching(/^GET \/socket-mode\?ticket=/)]);
  });

  it('takes a slash command over the tunnelled socket and posts the run message through the proxy', async () => {
    const driver = new SlackDriver({ mode: 'socket', emulator: slack });
    const response = await driver.slashCommand({ command: '/deploy', text: 'api v1.1.0 to production', userId: 'U0ALICE', channelId: 'C0DEPLOY' });
    expect(response.status).toBe(200);
    const slackPort = new URL(slack.url).port;
    await waitUntil('the run message posted through the proxy', () => (carried(`localhost:${slackPort}`).includes('POST /api/chat.postMessage') ? true : undefined));
    expect(slack.calls.filter((c) => c.method === 'chat.postMessage').length).toBeGreaterThan(0);
  });

  it('reaches the cluster through the proxy', async () => {
    const ready = await fetch(`http://127.0.0.1:${port}/readyz`);
    expect(await ready.json()).toEqual({ ready: true, checks: { redis: 'ok', 'cluster:emulator': 'ok' } });
    expect(proxy.targets()).toContain(`localhost:${new URL(k8s.url).port}`);
  });
});
