import { randomBytes } from 'node:crypto';
import { Worker, type Job } from 'bullmq';
import { Redis } from 'ioredis';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { checklistSchema } from '../../src/checklist/checklist-schema.js';
import { createLogger } from '../../src/observability/create-logger.js';
import { createQueues, NOTIFY_QUEUE, type Queues } from '../../src/queue/engine/create-queues.js';
import { createRunRenderer } from '../../src/queue/notify/process-render.js';
import { startRenderLoop, type RenderLoop } from '../../src/queue/notify/render-loop.js';
import { createSummaryProcessor } from '../../src/queue/notify/process-summary.js';
import { createThreadProcessor } from '../../src/queue/notify/process-thread.js';
import { RunEngine } from '../../src/queue/engine/run-engine.js';
import { createRun } from '../../src/run/core/create-run.js';
import type { Effect } from '../../src/run/core/run-event.js';
import type { Run } from '../../src/run/core/run-schema.js';
import { RunStore } from '../../src/run/store/run-store.js';
import { transition } from '../../src/run/core/transition.js';
import { renderRunMessage } from '../../src/slack/render-run-message.js';
import { createSlackClient, SlackNotifier } from '../../src/slack/slack-notifier.js';
import { startSlackEmulator, type SlackEmulator } from '../../sandbox/slack/index.js';
import { waitUntil } from '../support/wait-until.js';
import { deleteKeys } from '../support/delete-keys.js';
import { shownText } from '../support/shown-text.js';

const QUIET = 'C0QUIET';
const BUSY = 'C0BUSY';
/** Long enough that a test waiting it out would time out: a write seen meanwhile did not wait for it. */
const LONG_RETRY_AFTER_S = 600;
/** Replies and renders of three runs at one write per second take about half a minute. */
const SETTLE_MS = 90_000;

let slack: SlackEmulator;
let redis: Redis;
let connection: Redis;
let prefix: string;
let store: RunStore;
let queues: Queues;
let engine: RunEngine;
let worker: Worker | undefined;
let renders: RenderLoop | undefined;

beforeEach(async () => {
  slack = await startSlackEmulator({ channels: [QUIET, BUSY] });
  // Slack's one message per second per channel, for posts and edits alike.
  for (const method of ['chat.postMessage', 'chat.update']) slack.rateLimit({ method, perChannelPerSecond: 1 });
  prefix = `it-pacing-${randomBytes(4).toString('hex')}`;
  redis = new Redis({ host: '127.0.0.1', port: 6379, maxRetriesPerRequest: null });
  connection = new Redis({ host: '127.0.0.1', port: 6379, maxRetriesPerRequest: null });
  store = new RunStore(redis, prefix);
  queues = createQueues(redis, prefix);
  engine = new RunEngine({ store, queues, now: Date.now, logger: createLogger('silent') });
});

afterEach(async () => {
  await worker?.close(true);
  await renders?.close();
  worker = undefined;
  renders = undefined;
  await queues.close();
  await deleteKeys(redis, `{${prefix}}*`);
  redis.disconnect();
  connection.disconnect();
  await slack.close();
});

/**
 * The notify queue's worker and the render loop as start-workers wires them (16 at once each), with the production
 * notifier and client.
 */
function startNotifyWorker(): void {
  const logger = createLogger('silent');
  const notifier = new SlackNotifier(createSlackClient({ token: slack.token, apiUrl: slack.apiUrl }));
  const deps = { redis, keyPrefix: prefix, store, engine, notifier, logger, queues, now: Date.now };
  const handlers: Record<string, (job: Job, token?: string) => Promise<void>> = {
    thread: createThreadProcessor(deps),
    summary: createSummaryProcessor(deps),
  };
  worker = new Worker(NOTIFY_QUEUE, (job, token) => handlers[job.name]!(job, token), { connection, prefix: queues.prefix, concurrency: 16 });
  renders = startRenderLoop({ store, subscriber: connection.duplicate(), renderRun: createRunRenderer(deps), concurrency: 16, logger });
}

async function createStoredRun(channel: string): Promise<Run> {
  const checklist = checklistSchema.parse({ name: 'pacing', phases: [{ id: 'go', title: 'Go', items: [{ id: 'check', kind: 'manual', title: 'Looks good' }] }] });
  const id = await store.nextRunId();
  // One service per run: a target is locked by the run deploying it.
  const run = createRun(
    {
      id,
      service: `web-${id}`,
      environment: 'production',
      version: '1.2.3',
      target: { cluster: 'emu', namespace: 'shop', deployment: `web-${id}`, container: 'web', image: 'reg/web:1.2.3' },
      requestedBy: 'U0ALICE',
      channel,
      checklist,
    },
    Date.now(),
  );
  const created = await store.create(run, []);
  if (!created.created) throw new Error('run not created');
  return created.run;
}

/** The run once its message is posted and shows its latest change. */
async function rendered(id: string, timeoutMs = SETTLE_MS): Promise<Run> {
  return waitUntil(
    `run ${id} rendered`,
    async () => {
      const run = await store.get(id);
      return run?.messageTs && (await store.renders.getRenderedSeq(id)) >= run.seq ? run : undefined;
    },
    timeoutMs,
  );
}

/** Posts the run messages of new runs in `channel` and waits until each is there. */
async function postedRuns(channel: string, count: number): Promise<Run[]> {
  const runs: Run[] = [];
  for (let i = 0; i < count; i++) runs.push(await createStoredRun(channel));
  return Promise.all(runs.map((run) => rendered(run.id)));
}

async function change(run: Run, event: Parameters<typeof transition>[1]): Promise<Run> {
  const result = await store.update(run.id, (current) => transition(current, event, Date.now()));
  return result.run;
}

const replies = (run: Run) => slack.thread(run.channel, run.messageTs!).map(shownText);
const writesIn = (channel: string) => slack.calls.filter((c) => (c.method === 'chat.postMessage' || c.method === 'chat.update') && c.args.channel === channel);

async function notifyQueueDrained(): Promise<void> {
  await waitUntil(
    'notify queue drained',
    async () => {
      const counts = await queues.notify.getJobCounts('wait', 'active', 'delayed', 'prioritized');
      return Object.values(counts).every((n) => n === 0) ? true : undefined;
    },
    SETTLE_MS,
  );
}

describe('Slack writes paced per channel', () => {
  it('a 429 in one channel holds up only that channel: the other channel is written meanwhile', async () => {
    startNotifyWorker();
    const [quiet] = await postedRuns(QUIET, 1);
    const [busy] = await postedRuns(BUSY, 1);

    slack.failNext('chat.update', 1, { retryAfter: LONG_RETRY_AFTER_S });
    await change(busy!, { type: 'start', actor: 'U0ALICE' });
    await waitUntil('the busy channel answered 429', () => (writesIn(BUSY).some((c) => c.status === 429) ? true : undefined));

    await change(quiet!, { type: 'start', actor: 'U0ALICE' });
    // Waiting out the busy channel's Retry-After would outlast this wait: the quiet channel did not.
    const shown = await rendered(quiet!.id, 20_000);
    expect(slack.message(QUIET, shown.messageTs!)!.text).toBe(renderRunMessage(shown).text);

    // The busy channel's render waits out Slack's Retry-After in the render queue, marked as waiting for its turn.
    const due = Number(await redis.zscore(`{${prefix}}:render-due-at:queue`, busy!.id));
    expect(due).toBeGreaterThan(Date.now() + (LONG_RETRY_AFTER_S - 60) * 1000);
    expect(await store.renders.waitingMark(busy!.id)).toBe(busy!.id);
    expect(slack.message(BUSY, busy!.messageTs!)!.text).toBe(renderRunMessage(busy!).text);
    expect(writesIn(QUIET).filter((c) => c.status === 429)).toHaveLength(0);
  });

  it("thread replies of each run are posted in their run's order, each once, under the one-per-second limit", { timeout: 150_000 }, async () => {
    startNotifyWorker();
    const runs = await postedRuns(BUSY, 3);
    // The first replies are refused once, as a busy Slack would: they must still come first.
    slack.failNext('chat.postMessage', 2, { retryAfter: 1 });
    const expected = new Map<string, string[]>();
    const thread = (text: string): Effect => ({ type: 'thread', note: { kind: 'text', text } });
    for (const [seqOffset, letters] of [[1, ['a', 'b', 'c']], [2, ['d', 'e']]] as const) {
      for (const run of runs) {
        const texts = letters.map((letter) => `run ${run.id} reply ${letter}`);
        expected.set(run.id, [...(expected.get(run.id) ?? []), ...texts]);
        await engine.dispatch({ ...run, seq: run.seq + seqOffset }, texts.map(thread));
      }
    }
    await notifyQueueDrained();

    for (const run of runs) expect(replies(run)).toEqual(expected.get(run.id));
    // Renders and replies shared the channel's turns: Slack refused only the two injected calls.
    expect(writesIn(BUSY).filter((c) => c.status === 429)).toHaveLength(2);
  });

  it('the summary comes after every reply of its run', { timeout: 150_000 }, async () => {
    startNotifyWorker();
    const [run] = await postedRuns(BUSY, 1);
    const done = await change(run!, { type: 'abort', actor: 'U0ALICE', reason: 'not today' });
    const texts = ['first', 'second', 'third', 'fourth'];
    await engine.dispatch(done, [...texts.map((text): Effect => ({ type: 'thread', note: { kind: 'text', text } })), { type: 'summary' }]);
    await notifyQueueDrained();

    const thread = replies(done);
    expect(thread.slice(0, texts.length)).toEqual(texts);
    expect(thread).toHaveLength(texts.length + 1);
    expect((await store.get(run!.id))!.summaryPosted).toBe(true);
  });

  it('renders of a busy run coalesce: one edit shows the latest of many changes', { timeout: 150_000 }, async () => {
    startNotifyWorker();
    const [first, second] = await postedRuns(BUSY, 2);
    const edits = () => slack.calls.filter((c) => c.method === 'chat.update' && c.status === 200).length;
    const editsBefore = edits();
    let latest = await change(first!, { type: 'start', actor: 'U0ALICE' });
    for (let i = 0; i < 6; i++) {
      latest = await change(latest, i % 2 === 0 ? { type: 'pause', actor: 'U0ALICE', reason: `pause ${i}` } : { type: 'resume', actor: 'U0ALICE' });
    }
    await change(second!, { type: 'start', actor: 'U0ALICE' });
    const shown = await rendered(first!.id);
    await rendered(second!.id);
    await notifyQueueDrained();

    expect(slack.message(BUSY, shown.messageTs!)!.text).toBe(renderRunMessage(shown).text);
    // Seven changes of the first run and one of the second: far fewer edits than changes.
    expect(edits() - editsBefore).toBeLessThanOrEqual(4);
  });
});
