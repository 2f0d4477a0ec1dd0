import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { loadEnv } from '../../src/config/load-env.js';
import { createMetrics } from '../../src/observability/create-metrics.js';
import { RunStore } from '../../src/run/store/run-store.js';
import { runRunsCommand } from '../../src/run/store/run-runs-command.js';
import { createStoredRun } from '../support/create-stored-run.js';
import { deleteKeys } from '../support/delete-keys.js';
import { waitUntil } from '../support/wait-until.js';

const BOUND_MS = 1000;

let redis: Redis;
let prefix: string;
let store: RunStore;

beforeEach(() => {
  prefix = `it-lag-${randomBytes(4).toString('hex')}`;
  redis = new Redis({ host: '127.0.0.1', port: 6379, maxRetriesPerRequest: null });
  store = new RunStore(redis, prefix);
});

afterEach(async () => {
  await deleteKeys(redis, `{${prefix}}*`);
  redis.disconnect();
});

const storedRun = (service: string) => createStoredRun(store, service, 'C0DEPLOY');

async function runs(args: string[]): Promise<{ code: number; out: string }> {
  let out = '';
  const env = loadEnv({ SLACK_BOT_TOKEN: 'xoxb-unused', FLIGHTDECK_ROLE: 'worker', REDIS_PREFIX: prefix, MESSAGE_LAG_BOUND_MS: String(BOUND_MS) });
  const code = await runRunsCommand(args, env, { stdout: (text) => (out += text), stderr: (text) => (out += text) }, {
    now: Date.now,
    openEngine: () => {
      throw new Error('runs list never opens the engine');
    },
  });
  return { code, out };
}

describe('messages behind their run', () => {
  it('are counted by the metrics and listed by `flightdeck runs list --stale` once past the bound', async () => {
    const behind = await storedRun('api');
    const shown = await storedRun('web');
    await store.renders.holdRenderLock(shown.id, 'render', 10_000);
    await store.renders.setRenderedSeq(shown.id, shown.seq, (await store.renders.readForRender(shown.id))!.readAt, 'render');

    const metrics = createMetrics({ defaultMetrics: false });
    metrics.trackMessages(() => store.renders.messageLag(BOUND_MS));
    expect(await runs(['list', '--stale'])).toEqual({ code: 0, out: expect.stringMatching(/No run message has trailed/) });

    await waitUntil('the unshown run to pass the bound', async () => ((await store.renders.messageLag(BOUND_MS)).stale === 1 ? true : undefined));
    const text = await metrics.registry.metrics();
    expect(text).toMatch(/^flightdeck_messages_stale 1$/m);
    const lag = Number(/^flightdeck_message_lag_seconds ([\d.]+)$/m.exec(text)?.[1]);
    expect(lag).toBeGreaterThan(BOUND_MS / 1000);

    const stale = await runs(['list', '--stale']);
    expect(stale.code).toBe(1);
    expect(stale.out).toMatch(new RegExp(`^#${behind.id}\\s+api\\s+production\\s+pending\\s+1\\s+0\\s+[\\d.]+ s$`, 'm'));
    expect(stale.out).not.toMatch(/\bweb\b/);

    const all = await runs(['list']);
    expect(all.code).toBe(0);
    expect(all.out).toMatch(new RegExp(`^#${shown.id}\\s+web\\s+production\\s+pending\\s+1\\s+1\\s+-$`, 'm'));
  });

  it('refuses an unknown subcommand with the usage', async () => {
    expect(await runs(['show'])).toEqual({ code: 2, out: expect.stringMatching(/^Unknown arguments "show"\nUsage: flightdeck runs list \[--stale \| --stuck/) });
    expect(await runs(['list', '--all'])).toEqual({ code: 2, out: expect.stringMatching(/^--all is not a flag of flightdeck runs list\nUsage:/) });
  });
});
