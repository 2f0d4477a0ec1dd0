import { randomBytes } from 'node:crypto';
import { Writable } from 'node:stream';
import { Worker } from 'bullmq';
import { Redis } from 'ioredis';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { checklistSchema } from '../../src/checklist/checklist-schema.js';
import { createLogger } from '../../src/observability/create-logger.js';
import { createQueues, NOTIFY_QUEUE, type Queues } from '../../src/queue/create-queues.js';
import { renderJobId } from '../../src/queue/job-schemas.js';
import { createRenderProcessor } from '../../src/queue/process-render.js';
import type { RunNotifier } from '../../src/queue/run-notifier.js';
import { createRun } from '../../src/run/core/create-run.js';
import type { Run } from '../../src/run/core/run-schema.js';
import { RunStore } from '../../src/run/store/run-store.js';
import { transition } from '../../src/run/core/transition.js';
import { renderRunMessage } from '../../src/slack/render-run-message.js';
import { createSlackClient, SlackNotifier } from '../../src/slack/slack-notifier.js';
import { startSlackEmulator, type SlackEmulator } from '../emulators/slack/index.js';
import { waitUntil } from '../support/wait-until.js';
import { deleteKeys } from '../support/delete-keys.js';

const CHANNEL = 'C0DEPLOY';

let slack: SlackEmulator;
let redis: Redis;
let connection: Redis;
let prefix: string;
let store: RunStore;
let queues: Queues;
let worker: Worker | undefined;
let logLines: string[];

beforeEach(async () => {
  slack = await startSlackEmulator({ channels: [CHANNEL] });
  prefix = `it-render-${randomBytes(4).toString('hex')}`;
  redis = new Redis({ host: '127.0.0.1', port: 6379, maxRetriesPerRequest: null });
  connection = new Redis({ host: '127.0.0.1', port: 6379, maxRetriesPerRequest: null });
  store = new RunStore(redis, prefix);
  queues = createQueues(redis, prefix);
  logLines = [];
});

afterEach(async () => {
  await worker?.close();
  worker = undefined;
  await queues.close();
  await deleteKeys(redis, `{${prefix}}*`);
  redis.disconnect();
  connection.disconnect();
  await slack.close();
});

/** The production notifier: the real SlackNotifier and WebClient configuration, pointed at the emulator. */
function slackNotifier(): SlackNotifier {
  return new SlackNotifier(createSlackClient({ token: slack.token, apiUrl: slack.apiUrl }));
}

/** A BullMQ worker on the notify queue running the render processor, as start-workers wires it. */
function startRenderWorker(notifier: RunNotifier): void {
  const logger = createLogger(
    'warn',
    new Writable({
      write(chunk: Buffer, _encoding, done) {
        logLines.push(chunk.toString('utf8'));
        done();
      },
    }),
  );
  const render = createRenderProcessor({ redis, keyPrefix: prefix, store, notifier, logger, channelSpacingMs: 50 });
  worker = new Worker(NOTIFY_QUEUE, render, { connection, prefix: queues.prefix, concurrency: 1 });
}

async function createStoredRun(): Promise<Run> {
  const checklist = checklistSchema.parse({ name: 'render', phases: [{ id: 'go', title: 'Go', items: [{ id: 'check', kind: 'manual', title: 'Looks good' }] }] });
  const run = createRun(
    {
      id: await store.nextRunId(),
      service: 'web',
      environment: 'production',
      version: '1.2.3',
      target: { cluster: 'emu', namespace: 'shop', deployment: 'web', container: 'web', image: 'reg/web:1.2.3' },
      requestedBy: 'U0ALICE',
      channel: CHANNEL,
      checklist,
    },
    Date.now(),
  );
  const created = await store.create(run, []);
  if (!created.created) throw new Error('run not created');
  return created.run;
}

async function render(run: Run): Promise<void> {
  await queues.notify.add('render', { runId: run.id, seq: run.seq }, { jobId: renderJobId(run.id, run.seq) });
}

/** The run once its message ts is stored and its latest change is rendered. */
async function rendered(id: string): Promise<Run> {
  return waitUntil(`run ${id} rendered`, async () => {
    const run = await store.get(id);
    return run?.messageTs && (await store.getRenderedSeq(id)) >= run.seq && (await store.renderDue()).length === 0 ? run : undefined;
  });
}

const callsOf = (method: string) => slack.calls.filter((c) => c.method === method);

describe('the first post of a run message', () => {
  it('is adopted, not posted again, when Slack posted it but the answer was lost', async () => {
    startRenderWorker(slackNotifier());
    slack.dropAnswerNext('chat.postMessage', 1);
    const run = await createStoredRun();
    await render(run);
    const stored = await rendered(run.id);

    expect(slack.messages(CHANNEL)).toHaveLength(1);
    const [message] = slack.messages(CHANNEL);
    expect(stored.messageTs).toBe(message!.ts);
    expect(message!.metadata).toEqual({ event_type: 'flightdeck_run', event_payload: { run_id: run.id, created_at: run.createdAt } });
    expect(callsOf('chat.postMessage').map((c) => c.dropped ?? false)).toEqual([true]);
    expect(callsOf('conversations.history').at(-1)?.args).toMatchObject({ channel: CHANNEL, include_all_metadata: 'true' });
    expect(message!.edits).toBeGreaterThanOrEqual(1);

    // Later changes edit that one message.
    const started = await store.update(run.id, (r) => transition(r, { type: 'start', actor: 'U0ALICE' }, Date.now()));
    await render(started.run);
    const latest = await rendered(run.id);
    expect(latest.state).not.toBe(stored.state);
    expect(slack.messages(CHANNEL)).toHaveLength(1);
    expect(slack.message(CHANNEL, message!.ts)!.text).toBe(renderRunMessage(latest).text);
    expect(callsOf('chat.postMessage')).toHaveLength(1);
  });

  it('is adopted when the worker stopped between posting and storing the ts', async () => {
    const real = slackNotifier();
    let crashes = 1;
    startRenderWorker({
      post: async (run) => {
        const ts = await real.post(run);
        if (crashes-- > 0) throw new Error('worker stopped before storing the ts');
        return ts;
      },
      update: (run, ts) => real.update(run, ts),
      findPosted: (run, since) => real.findPosted(run, since),
      postThread: (run, text) => real.postThread(run, text),
      postSummary: (run) => real.postSummary(run),
      postPhaseReminder: (run, phaseId) => real.postPhaseReminder(run, phaseId),
    });
    const run = await createStoredRun();
    await render(run);
    const stored = await rendered(run.id);
    expect(slack.messages(CHANNEL).map((m) => m.ts)).toEqual([stored.messageTs]);
    expect(callsOf('chat.postMessage')).toHaveLength(1);
  });

  it('is posted again, with a warning, when Slack refuses the history search', async () => {
    startRenderWorker(slackNotifier());
    slack.dropAnswerNext('chat.postMessage', 1);
    slack.failNext('conversations.history', 1, { error: 'missing_scope' });
    const run = await createStoredRun();
    await render(run);
    const stored = await rendered(run.id);
    expect(slack.messages(CHANNEL)).toHaveLength(2);
    expect(stored.messageTs).toBe(slack.messages(CHANNEL)[1]!.ts);
    expect(logLines.join('')).toMatch(/missing_scope[\s\S]*posting again/);
  });

  it('costs no history search when nothing went wrong', async () => {
    startRenderWorker(slackNotifier());
    const run = await createStoredRun();
    await render(run);
    await rendered(run.id);
    expect(slack.messages(CHANNEL)).toHaveLength(1);
    expect(callsOf('conversations.history')).toHaveLength(0);
  });
});
