import { createHash, randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/load-config.js';
import { loadEnv } from '../../src/config/load-env.js';
import { createLogger } from '../../src/observability/create-logger.js';
import { startFlightdeck, type Flightdeck } from '../../src/start-flightdeck.js';
import { startKubernetesEmulator, type KubernetesEmulator } from '../../sandbox/kubernetes/index.js';
import { listButtons, SlackDriver, startSlackEmulator, type SlackEmulator } from '../../sandbox/slack/index.js';
import { E2E_CATALOG, E2E_CHECKLIST } from '../e2e/fixtures.js';
import { freePort } from '../support/free-port.js';
import { recordRedisCommands } from '../support/record-redis-commands.js';

/*
 * Issue 16: the Redis commands the web role sends while it answers a /deploy that creates a run, and a first tick,
 * each its own round trip unless said otherwise. Counted, never timed: a change that adds a command to the answer
 * fails here.
 */

const CHANNEL = 'C0DEPLOY';
const SIGNING_SECRET = 'round-trips-secret';

let slack: SlackEmulator;
let k8s: KubernetesEmulator;
let redis: Redis;
let prefix: string;
let webAddresses: Set<string>;
let webUrl: string;
const running: Flightdeck[] = [];

const addresses = async () => new Set([...String(await redis.call('CLIENT', 'LIST')).matchAll(/addr=(\S+)/g)].map((m) => m[1]!));

async function start(dir: string, role: 'web' | 'worker'): Promise<string> {
  const port = await freePort();
  const env = loadEnv({
    FLIGHTDECK_ROLE: role,
    SLACK_BOT_TOKEN: slack.token,
    SLACK_SIGNING_SECRET: SIGNING_SECRET,
    SLACK_API_URL: slack.apiUrl,
    REDIS_PREFIX: prefix,
    FLIGHTDECK_CONFIG: join(dir, 'flightdeck.yaml'),
    KUBECONFIG: join(dir, 'kubeconfig'),
    PORT: String(port),
  });
  running.push(await startFlightdeck(await loadConfig(env), createLogger('silent'), Date.now, { host: '127.0.0.1' }));
  return `http://127.0.0.1:${port}`;
}

const sha1 = (text: string) => createHash('sha1').update(text).digest('hex');

/** The commands the web role sent while `request` was answered, as `name key…`; the Home tab refresh is left out. */
async function commandsOf(request: () => Promise<unknown>): Promise<string[]> {
  const recording = await recordRedisCommands(redis, { from: webAddresses });
  await request();
  const commands = await recording.stop();
  return (
    commands
      // Home tabs are refreshed after a run changes, without holding the answer: whether that read lands before the
      // answer or after it is up to the event loop.
      .filter((args) => args.some((arg) => arg.includes(`{${prefix}}`)) && !args.some((arg) => arg.endsWith(':home-viewers')))
      // A script this Redis has not cached yet is sent again in full (NOSCRIPT, then EVAL of the same script):
      // once per server, so the pair counts as the one call it is on every later request.
      .filter((args, i, all) => !(args[0]!.toLowerCase() === 'evalsha' && all[i + 1]?.[0]?.toLowerCase() === 'eval' && sha1(all[i + 1]![1] ?? '') === args[1]))
      .map((args) => (args[0]!.toLowerCase() === 'eval' ? 'evalsha' : args[0]!.toLowerCase()))
  );
}

beforeAll(async () => {
  slack = await startSlackEmulator({ channels: [CHANNEL] });
  k8s = await startKubernetesEmulator();
  k8s.seedDeployment({ namespace: 'shop', name: 'api', container: 'api', image: 'registry.example.com/acme/api:v1.0.0', replicas: 1 });
  const dir = mkdtempSync(join(tmpdir(), 'flightdeck-round-trips-'));
  mkdirSync(join(dir, 'checklists'));
  writeFileSync(join(dir, 'flightdeck.yaml'), E2E_CATALOG);
  writeFileSync(join(dir, 'checklists', 'release.yaml'), E2E_CHECKLIST);
  k8s.writeKubeconfig(join(dir, 'kubeconfig'), 'emulator');
  redis = new Redis({ host: '127.0.0.1', port: 6379, maxRetriesPerRequest: null });
  prefix = `round-trips-${randomBytes(4).toString('hex')}`;
  const before = await addresses();
  webUrl = await start(dir, 'web');
  // The web role's connections are those that appeared while it started; other tests' share no prefix with it.
  webAddresses = new Set([...(await addresses())].filter((address) => !before.has(address)));
  await start(dir, 'worker');
});

afterAll(async () => {
  for (const flightdeck of running) await flightdeck.stop();
  const keys = await redis.keys(`{${prefix}}*`);
  if (keys.length > 0) await redis.del(...keys);
  redis?.disconnect();
  await slack?.close();
  await k8s?.close();
});

describe('the web role’s Redis round trips', () => {
  it('answers a /deploy that creates a run in 4 commands, its redelivery in none, and a first tick in 2', async () => {
    const driver = new SlackDriver({ appUrl: `${webUrl}/slack/events`, signingSecret: SIGNING_SECRET, emulator: slack });
    let answer = '';
    let delivered: { triggerId: string; responseUrl: string } | undefined;
    const deploy = await commandsOf(async () => {
      const response = await driver.slashCommand({ command: '/deploy', text: 'api v2.0.0 to production', userId: 'U0ALICE', channelId: CHANNEL });
      answer = JSON.stringify(response.json ?? response.body);
      delivered = { triggerId: response.triggerId!, responseUrl: response.responseUrl! };
    });
    expect(answer).toMatch(/Run #\d+: deploying/);
    // Redelivery mark, the environment's declared freeze, the run id (taken only once the gate let the request
    // through: a /deploy the gate refuses changes nothing, not even the id counter), the run with its lock, audit and
    // render (one script: the write queues the render itself).
    expect(deploy).toEqual(['set', 'get', 'incr', 'evalsha']);
    // The same delivery again, to the process that claimed it: dropped on what the process remembers, no command.
    let again = '';
    const redelivery = await commandsOf(async () => {
      const response = await driver.slashCommand({ command: '/deploy', text: 'api v2.0.0 to production', userId: 'U0ALICE', channelId: CHANNEL, redelivers: delivered! });
      again = JSON.stringify(response.json ?? response.body);
    });
    expect(again).toMatch(/handled the first time/);
    expect(redelivery).toEqual([]);

    const posted = await slack.waitFor((state) => state.messages(CHANNEL)[0], 30_000, 'the run message the worker posts');
    const button = listButtons(posted.blocks ?? []).find((candidate) => candidate.actionId.startsWith('item.tick.'));
    expect(button).toBeDefined();
    const tick = await commandsOf(() => driver.clickButton({ userId: 'U0BOB', channelId: CHANNEL, messageTs: posted.ts, actionId: button!.actionId, value: button!.value }));
    // Redelivery mark with the click's once-mark and the run (one script; the gate decides on that read, and
    // it is the compare-and-set's base), the compare-and-set write with its audit and render.
    expect(tick).toEqual(['evalsha', 'evalsha']);
  }, 60_000);
});
