import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { deployCommand } from '../../commands/deploy.js';
import type { CommandServices } from '../../commands/command-definition.js';
import { createGate } from '../../src/auth/gate.js';
import { checklistSchema } from '../../src/checklist/checklist-schema.js';
import { createRun } from '../../src/run/core/create-run.js';
import { transition } from '../../src/run/core/transition.js';
import { RunStore } from '../../src/run/store/run-store.js';
import { deleteKeys } from '../support/delete-keys.js';

let redis: Redis;
let prefix: string;
let store: RunStore;
let services: CommandServices;

beforeEach(() => {
  redis = new Redis({ host: '127.0.0.1', port: 6379 });
  prefix = `test-log-reply-${randomUUID()}`;
  store = new RunStore(redis, prefix);
  const config = { catalog: { environments: { production: {} } } };
  const gate = createGate({ config, store, roles: { rolesOf: async () => [] }, now: Date.now });
  // /deploy log reads the store and asks the gate; nothing else of the services is reached.
  services = { config, store, gate, now: Date.now } as unknown as CommandServices;
});

afterEach(async () => {
  await deleteKeys(redis, `{${prefix}}:*`);
  await redis.quit();
});

/** A started run of a checklist of `items` manual items with long titles. */
async function storedRun(items: number): Promise<string> {
  const checklist = checklistSchema.parse({
    name: 'long',
    phases: [{ id: 'all', title: 'Everything', items: Array.from({ length: items }, (_, i) => ({ id: `item-${i}`, kind: 'manual', title: `Item ${i}: ${'checked by hand before the release goes out '.repeat(2)}` })) }],
  });
  const run = createRun(
    { id: await store.nextRunId(), service: 'api', environment: 'production', version: '2.0.0', target: { cluster: 'c', namespace: 'shop', deployment: 'api', container: 'api', image: 'r/api:2.0.0' }, requestedBy: 'U0ALICE', channel: 'C1', checklist },
    Date.now(),
  );
  const started = transition(run, { type: 'start', actor: 'U0ALICE' }, Date.now());
  const created = await store.create(started.run, started.audit);
  if (!created.created) throw new Error('not created');
  return run.id;
}

const ask = (text: string, userId = 'U0CAROL') => deployCommand.handle(deployCommand.parse(text), { userId, channelId: 'C1' }, services);

describe('/deploy log', () => {
  it('replies with the whole log, fenced, when it fits in one message', async () => {
    const id = await storedRun(2);
    const { text, inChannel } = await ask(`log ${id}`);
    expect(inChannel).toBeUndefined();
    expect(text.startsWith('```\n# Deployment log: api 2.0.0 to production\n')).toBe(true);
    expect(text.endsWith('```')).toBe(true);
    expect(text).toContain('| U0ALICE | run.started | api 2.0.0 to production |');
  });

  it('shows the head of a log too long for a message, and says where the whole of it is', async () => {
    const id = await storedRun(60);
    const { text } = await ask(`log ${id}`);
    expect(text.length).toBeLessThanOrEqual(3800);
    expect(text.startsWith('```\n# Deployment log: api 2.0.0 to production\n')).toBe(true);
    expect(text).toMatch(new RegExp(`\`\`\`\\nThe first \\d+ of \\d+ lines\\. The whole log: the file posted in its thread once the run has ended, or \`flightdeck log ${id}\`\\.$`));
  });

  it('refuses a run that does not exist', async () => {
    await expect(ask('log 404')).rejects.toMatchObject({ code: 'run-not-found', message: 'There is no run #404.' });
  });
});
