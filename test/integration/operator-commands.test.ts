import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { checklistSchema } from '../../src/checklist/checklist-schema.js';
import { loadEnv } from '../../src/config/load-env.js';
import { runRef } from '../../src/run/core/run-ref.js';
import { createLogger } from '../../src/observability/create-logger.js';
import { createQueues } from '../../src/queue/engine/create-queues.js';
import { RunEngine } from '../../src/queue/engine/run-engine.js';
import { createRun } from '../../src/run/core/create-run.js';
import type { Run } from '../../src/run/core/run-schema.js';
import { transition } from '../../src/run/core/transition.js';
import { runLocksCommand } from '../../src/run/store/run-locks-command.js';
import { runRunsCommand } from '../../src/run/store/run-runs-command.js';
import { RunStore } from '../../src/run/store/run-store.js';
import { deleteKeys } from '../support/delete-keys.js';

const HOUR = 3_600_000;
const checklist = checklistSchema.parse({
  name: 'ops',
  phases: [{ id: 'go', title: 'Go', items: [{ id: 'set-image', kind: 'step', action: 'set-image' }, { id: 'wait', kind: 'step', action: 'wait-rollout', timeout: '2h' }] }],
});

let redis: Redis;
let prefix: string;
let store: RunStore;

beforeEach(() => {
  redis = new Redis({ host: '127.0.0.1', port: 6379 });
  prefix = `test-operator-${randomUUID()}`;
  store = new RunStore(redis, prefix);
});

afterEach(async () => {
  await deleteKeys(redis, `{${prefix}}:*`);
  await redis.quit();
});

const env = () => loadEnv({ SLACK_BOT_TOKEN: 'xoxb-unused', FLIGHTDECK_ROLE: 'worker', REDIS_PREFIX: prefix });

async function runs(args: string[], now = Date.now()): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const code = await runRunsCommand(args, env(), { stdout: (text) => (out += text), stderr: (text) => (err += text) }, {
    now: () => now,
    // As src/cli.ts builds it: the real engine on the command's connection.
    openEngine: (connection, commandStore) => {
      const queues = createQueues(connection, prefix);
      const engine = new RunEngine({ store: commandStore, queues, now: () => now, logger: createLogger('silent') });
      return { apply: (runId, event) => engine.apply(runId, event), close: () => queues.close() };
    },
  });
  return { code, out, err };
}

async function locks(args: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const code = await runLocksCommand(args, env(), { stdout: (text) => (out += text), stderr: (text) => (err += text) }, () => 1_000);
  return { code, out, err };
}

/** A run of `service` started at `at`, its first step (`set-image`) running since then. */
async function runningRun(service: string, at: number): Promise<Run> {
  const run = createRun(
    {
      id: await store.nextRunId(),
      service,
      environment: 'production',
      version: 'v2',
      target: { cluster: 'c', namespace: 'shop', deployment: service, container: service, image: `r/${service}:v2` },
      requestedBy: 'U0ALICE',
      channel: 'C1',
      checklist,
    },
    at,
  );
  const started = transition(run, { type: 'start', actor: 'U0ALICE' }, at);
  const created = await store.create(started.run, started.audit);
  if (!created.created) throw new Error(`${service} is locked`);
  return created.run;
}

describe('operator commands on real Redis', () => {
  it('runs list --stuck lists running runs overdue past their step, and exits 1 when there is one', async () => {
    const now = Date.now();
    const old = await runningRun('api', now - HOUR);
    await runningRun('web', now - 5 * 60_000);
    // A step with a long timeout is not stuck before it: wait-rollout may take 2 h.
    const waiting = await runningRun('db', now - HOUR);
    await store.update(waiting.id, (run) => transition(run, { type: 'step-succeeded', itemId: 'set-image', detail: 'patched' }, now - HOUR));

    const stuck = await runs(['list', '--stuck'], now);
    expect(stuck.code).toBe(1);
    expect(stuck.out.split('\n')).toEqual(['RUN  SERVICE  ENVIRONMENT  STEP       OVERDUE', `#${old.id}   api      production   set-image  1h 00m`, '']);
    expect(await runs(['list', '--stuck', '--for', '2h'], now)).toEqual({ code: 0, out: 'No running run is overdue by more than 2h.\n', err: '' });
    const bad = await runs(['list', '--stuck', '--for', 'soon'], now);
    expect(bad.code).toBe(2);
    expect(bad.err.split('\n')[0]).toBe('--for: is not a duration (e.g. 10m, 1h)');
  });

  it('runs end stops a run through its transition, audited, frees its lock and asks for the rollback', async () => {
    const run = await runningRun('api', Date.now() - HOUR);
    const ended = await runs(['end', run.id, '--reason', 'worker pool lost', '--by', 'ops-alice']);
    expect(ended).toEqual({
      code: 0,
      // set-image had started, so the cluster may have changed: the run fails and a rollback is requested, as /deploy cancel does.
      out: `Run #${run.id} (api in production) ended failed: aborted by ops-alice: worker pool lost\nIt had changed the cluster: a rollback run was requested.\n`,
      err: '',
    });
    expect((await store.get(run.id))!.state).toBe('failed');
    expect(await store.lockValue('api', 'production')).toBeNull();
    expect((await store.audit(run.id)).at(-1)).toMatchObject({ actor: 'ops-alice', action: 'run.failed', detail: 'aborted by ops-alice: worker pool lost' });
    const queues = createQueues(redis, prefix);
    try {
      expect((await queues.rollback.getJob(`rollback-request-${runRef(run)}`))?.data).toEqual({ runId: run.id, reason: { kind: 'aborted', by: 'ops-alice', text: 'worker pool lost' } });
    } finally {
      await queues.close();
    }

    await expect(runs(['end', run.id, '--reason', 'again'])).rejects.toMatchObject({ code: 'run-finished' });
    const noReason = await runs(['end', run.id]);
    expect(noReason.code).toBe(2);
    expect(noReason.err.split('\n')[0]).toBe('--reason: is required: say why in a few words (it is audited)');
  });

  it('locks release frees a person\'s lock or a lost run\'s, audited, and refuses an active run\'s', async () => {
    await store.lockManually('api', 'production', { by: 'U0BOB', reason: 'incident', at: 500 });
    const manual = await locks(['release', 'api', 'production', '--reason', 'Bob is on leave']);
    expect(manual).toEqual({ code: 0, out: 'Released the lock of api in production; it was held by a lock by U0BOB (incident). Audited as lock.released.\n', err: '' });
    expect(await store.lockValue('api', 'production')).toBeNull();

    await redis.set(`{${prefix}}:lock:web:production`, '977');
    const lost = await locks(['release', 'web', 'production', '--reason', 'run lost in restore', '--by', 'ops-carol']);
    expect(lost.out).toBe('Released the lock of web in production; it was held by "977", which names no run flightdeck knows. Audited as lock.released.\n');
    expect((await store.audit()).slice(-2)).toEqual([
      { run: '', actor: 'cli', action: 'lock.released', detail: 'api production: Bob is on leave (held by a lock by U0BOB: incident)', at: 1000 },
      { run: '', actor: 'ops-carol', action: 'lock.released', detail: 'web production: run lost in restore (held by "977")', at: 1000 },
    ]);

    const active = await runningRun('db', Date.now());
    await expect(locks(['release', 'db', 'production', '--reason', 'stuck'])).rejects.toMatchObject({ code: 'target-locked' });
    expect(await store.lockValue('db', 'production')).toBe(active.id);
    await expect(locks(['release', 'db', 'staging', '--reason', 'stuck'])).rejects.toMatchObject({ code: 'usage' });
    expect((await locks(['release', 'db', '--reason', 'stuck'])).code).toBe(2);
  });
});
