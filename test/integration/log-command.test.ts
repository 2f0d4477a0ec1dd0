import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { checklistSchema } from '../../src/checklist/checklist-schema.js';
import { loadEnv } from '../../src/config/load-env.js';
import { createRun } from '../../src/run/core/create-run.js';
import { transition, type RunEvent } from '../../src/run/core/transition.js';
import { runLogCommand } from '../../src/run/store/run-log-command.js';
import { runKeys } from '../../src/run/store/run-keys.js';
import { RunStore } from '../../src/run/store/run-store.js';
import { deleteKeys } from '../support/delete-keys.js';

const MIN = 60_000;
const T0 = Date.UTC(2026, 11, 5, 9, 0, 0);
const checklist = checklistSchema.parse({
  name: 'ops',
  roles: { lead: 'approves' },
  phases: [
    { id: 'pre', title: 'Before', items: [{ id: 'lead', kind: 'signoff', title: 'Lead approves', role: 'lead' }] },
    { id: 'go', title: 'Rollout', items: [{ id: 'set-image', kind: 'step', action: 'set-image', title: 'Set the image' }] },
  ],
});

let redis: Redis;
let prefix: string;
let store: RunStore;

beforeEach(() => {
  redis = new Redis({ host: '127.0.0.1', port: 6379 });
  prefix = `test-log-${randomUUID()}`;
  store = new RunStore(redis, prefix);
});

afterEach(async () => {
  await deleteKeys(redis, `{${prefix}}:*`);
  await redis.quit();
});

async function log(args: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const env = loadEnv({ SLACK_BOT_TOKEN: 'xoxb-unused', FLIGHTDECK_ROLE: 'worker', REDIS_PREFIX: prefix });
  const code = await runLogCommand(args, env, { stdout: (text) => (out += text), stderr: (text) => (err += text) }, () => T0 + 10 * MIN);
  return { code, out, err };
}

/** A run stored and driven through `events` a minute apart, each transition written (with its audit) as the engine does. */
async function storedRun(events: RunEvent[]): Promise<string> {
  const run = createRun(
    {
      id: await store.nextRunId(),
      service: 'api',
      environment: 'production',
      version: '2.0.0',
      target: { cluster: 'c', namespace: 'shop', deployment: 'api', container: 'api', image: 'r/api:2.0.0' },
      requestedBy: 'U0ALICE',
      channel: 'C1',
      checklist,
    },
    T0,
  );
  const created = await store.create(run, []);
  if (!created.created) throw new Error('not created');
  for (const [i, event] of events.entries()) await store.update(run.id, (current) => transition(current, event, T0 + (i + 1) * MIN));
  return run.id;
}

describe('flightdeck log', () => {
  it("prints an ended run's log as Markdown, its phases and timeline read from the stored run and audit", async () => {
    const id = await storedRun([
      { type: 'start', actor: 'U0ALICE' },
      { type: 'approve', itemId: 'lead', actor: 'U0BOB', actorRoles: ['lead'] },
      { type: 'step-succeeded', itemId: 'set-image', detail: 'image set' },
    ]);
    const { code, out, err } = await log([`#${id}`]);
    expect({ code, err }).toEqual({ code: 0, err: '' });
    const lines = out.split('\n');
    expect(lines[0]).toBe('# Deployment log: api 2.0.0 to production');
    expect(lines).toContain('- **Outcome**: succeeded');
    expect(lines).toContain('- [x] Lead approves — sign-off as `lead`, 1 of 1: approved by U0BOB at 2026-12-05 09:02:00 UTC');
    expect(lines).toContain('| 2026-12-05 09:02:00 | U0BOB | signoff.approved | lead: Lead approves (1/1) |');
    expect(lines).toContain('| 2026-12-05 09:03:00 | flightdeck | run.succeeded | api 2.0.0 to production |');
  });

  it('says a run it does not know is unknown, and one whose document expired is in the history only, exit 1', async () => {
    expect(await log(['9'])).toEqual({ code: 1, out: '', err: `There is no run #9 in this flightdeck (Redis prefix "${prefix}"): check the number, and REDIS_URL and REDIS_PREFIX.\n` });
    const id = await storedRun([{ type: 'start', actor: 'U0ALICE' }, { type: 'abort', actor: 'U0ALICE' }]);
    expect(await redis.hexists(runKeys(prefix).summaries, id)).toBe(1);
    await redis.del(runKeys(prefix).run(id));
    const expired = await log([id]);
    expect(expired.code).toBe(1);
    expect(expired.err).toBe(
      `Run #${id} (api 2.0.0 to production, aborted) is in the history only: its document expired (RUN_RETENTION_DAYS=90), so its log cannot be written any more. Its audit entries, while kept: flightdeck audit --service api\n`,
    );
  });

  it('refuses anything but one run number, exit 2 with the usage', async () => {
    expect(await log([])).toEqual({ code: 2, out: '', err: 'Which run? Give its number, as shown in its message.\nUsage: flightdeck log <run id>\n' });
    expect(await log(['12', '13'])).toEqual({ code: 2, out: '', err: 'Give one run number, e.g. flightdeck log 42 (not "12 13").\nUsage: flightdeck log <run id>\n' });
    expect((await log(['abc'])).code).toBe(2);
  });
});
