import type { Job } from 'bullmq';
import { Worker } from 'bullmq';
import { Redis } from 'ioredis';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createLogger } from '../../src/observability/create-logger.js';
import { NOTIFY_QUEUE } from '../../src/queue/engine/create-queues.js';
import { summaryJobId } from '../../src/queue/engine/job-schemas.js';
import { RunEngine } from '../../src/queue/engine/run-engine.js';
import { createSummaryProcessor } from '../../src/queue/notify/process-summary.js';
import { SUMMARY_DELAY_MS, WAIT_FOR_SHOWN_MS } from '../../src/queue/notify/enqueue-summary.js';
import { renderRunMessage } from '../../src/slack/render-run-message.js';
import { waitUntil } from '../support/wait-until.js';
import { CHANNEL, startRenderHarness, type RenderHarness } from './render-harness.js';

// The summary says how a run ended, so it goes once the run message above it says so: renders have a queue of their
// own, and under load a summary that did not wait was posted while the message still showed the run going.

let h: RenderHarness;
let connection: Redis;
let worker: Worker | undefined;

beforeEach(async () => {
  h = await startRenderHarness();
  connection = new Redis({ host: '127.0.0.1', port: 6379, maxRetriesPerRequest: null });
});

afterEach(async () => {
  await worker?.close();
  worker = undefined;
  connection.disconnect();
  await h.close();
});

/** A run whose message was posted and then no render ran while it ended: its summary is queued, the message behind. */
async function endedBehindItsMessage() {
  const logger = createLogger('silent');
  const engine = new RunEngine({ store: h.store, queues: h.queues, now: Date.now, logger });
  const first = h.startRenderLoop(h.slackNotifier());
  const run = await h.rendered((await h.createStoredRun()).id);
  await first.close();
  const ended = await engine.apply(run.id, { type: 'abort', actor: 'U0ALICE', reason: 'not today' });
  const queued = (await h.queues.notify.getJob(summaryJobId(ended)))!;
  return { logger, engine, run, ended, queued };
}

describe('the deployment summary', () => {
  it('sleeps until the run message shows how the run ended, woken by the render that shows it', async () => {
    const logger = createLogger('silent');
    const engine = new RunEngine({ store: h.store, queues: h.queues, now: Date.now, logger });
    const first = h.startRenderLoop(h.slackNotifier());
    const run = await h.rendered((await h.createStoredRun()).id);
    // No render runs while the run ends: its message still shows it going.
    await first.close();
    const summary = createSummaryProcessor({ redis: h.redis, keyPrefix: h.prefix, store: h.store, engine, notifier: h.slackNotifier(), logger, now: Date.now });
    worker = new Worker(NOTIFY_QUEUE, (job: Job, token?: string) => summary(job, token), { connection, prefix: h.queues.prefix });
    const ended = await engine.apply(run.id, { type: 'abort', actor: 'U0ALICE', reason: 'not today' });
    // Past its head start, asleep among the run's message waiters.
    const job = await waitUntil('the summary asleep until the message shows the end', async () => {
      const queued = await h.queues.notify.getJob(summaryJobId(ended));
      const waiting = await h.redis.smembers(`{${h.prefix}}:shown-waiters:${run.id}`);
      return queued && waiting.some((waiter) => waiter.startsWith(`${NOTIFY_QUEUE}:${queued.id}@`)) && (await queued.getState()) === 'delayed' ? queued : undefined;
    }, 15_000);
    expect(h.slack.thread(CHANNEL, run.messageTs!)).toEqual([]);
    const sleptUntil = job.timestamp + job.delay;

    h.startRenderLoop(h.slackNotifier());
    await waitUntil('the summary recorded', async () => (await h.store.get(run.id))?.summaryPosted || undefined, 30_000);
    // Woken by the render, not slept out; the message showed the end before the summary went.
    expect(Date.now()).toBeLessThan(sleptUntil);
    const calls = h.slack.calls.map((call) => call.method);
    expect(calls.lastIndexOf('chat.update')).toBeLessThan(calls.indexOf('files.completeUploadExternal'));
    const shown = (await h.store.get(run.id))!;
    expect(h.slack.message(CHANNEL, run.messageTs!)!.text).toBe(renderRunMessage(shown).text);
    expect(h.slack.thread(CHANNEL, run.messageTs!)).toHaveLength(1);
  });

  it('woken while its message trails the run, goes once the render that shows it comes between its look and its sleep', async () => {
    const { logger, engine, run, queued } = await endedBehindItsMessage();
    // Its look finds the message behind, and the render that shows the run comes right then, while the summary is
    // still active: that render's wake finds no delayed job to move.
    let renderedMeanwhile = false;
    const isShown = async (id: string) => {
      const shown = await h.store.renders.isShown(id);
      if (renderedMeanwhile) return shown;
      renderedMeanwhile = true;
      const between = h.startRenderLoop(h.slackNotifier());
      await waitUntil('the render that shows the end', async () => (await h.store.renders.isShown(id)) || undefined, 10_000);
      await between.close();
      return shown;
    };
    const store = Object.create(h.store, { renders: { value: Object.create(h.store.renders, { isShown: { value: isShown } }) } });
    const summary = createSummaryProcessor({ redis: h.redis, keyPrefix: h.prefix, store, engine, notifier: h.slackNotifier(), logger, now: Date.now });
    worker = new Worker(NOTIFY_QUEUE, (job: Job, token?: string) => summary(job, token), { connection, prefix: h.queues.prefix });
    // Woken now, as by its own timer.
    await queued.promote();
    const wokenAt = Date.now();
    await waitUntil('the summary recorded', async () => (await h.store.get(run.id))?.summaryPosted || undefined, 20_000);
    expect(renderedMeanwhile).toBe(true);
    // It joined the waiters once asleep, found the message showing the run and woke itself: no sleep of a whole timer.
    expect(Date.now() - wokenAt).toBeLessThan(WAIT_FOR_SHOWN_MS / 2);
    expect(h.slack.thread(CHANNEL, run.messageTs!)).toHaveLength(1);
    expect(await h.redis.smembers(`{${h.prefix}}:shown-waiters:${run.id}`)).toEqual([]);
  });

  it('is queued asleep while the message still shows the run going, and woken without a look of its own once it shows the end', async () => {
    const { engine, run, ended, queued } = await endedBehindItsMessage();
    expect(await queued.getState()).toBe('delayed');
    const waiter = `${NOTIFY_QUEUE}:${queued.id}@${queued.timestamp + SUMMARY_DELAY_MS}`;
    expect(await h.redis.smembers(`{${h.prefix}}:shown-waiters:${run.id}`)).toEqual([waiter]);
    // The reconciler asks again while the message trails the ended run: the summary asleep is left as it is.
    await engine.dispatch(ended, [{ type: 'summary' }], 'again');
    expect(await h.redis.smembers(`{${h.prefix}}:shown-waiters:${run.id}`)).toEqual([waiter]);
    expect(await (await h.queues.notify.getJob(queued.id!))!.getState()).toBe('delayed');

    // The summary's first look is recorded rather than made: the render that shows the end is what must start it,
    // not before its head start and well before its own timer.
    const looks: { at: number; attemptsMade: number }[] = [];
    worker = new Worker(NOTIFY_QUEUE, async (job: Job) => void looks.push({ at: Date.now(), attemptsMade: job.attemptsMade }), { connection, prefix: h.queues.prefix });
    h.startRenderLoop(h.slackNotifier());
    await waitUntil('the summary woken by the render', async () => looks[0], 10_000);
    expect(looks[0]!.at).toBeGreaterThanOrEqual(queued.timestamp + SUMMARY_DELAY_MS);
    expect(looks[0]!.at).toBeLessThan(queued.timestamp + WAIT_FOR_SHOWN_MS);
    expect(looks).toEqual([{ at: looks[0]!.at, attemptsMade: 0 }]);

    // Asked for again once the message shows the end (the reconciler, after a lost job): awake after its head start.
    await (await h.queues.notify.getJob(queued.id!))?.remove();
    const askedAt = Date.now();
    await engine.dispatch((await h.store.get(run.id))!, [{ type: 'summary' }]);
    await waitUntil('the summary asked for again awake', async () => looks[1], 10_000);
    expect(looks[1]!.at - askedAt).toBeGreaterThanOrEqual(SUMMARY_DELAY_MS - 50);
    expect(looks[1]!.at - askedAt).toBeLessThan(WAIT_FOR_SHOWN_MS);
    expect(await h.redis.smembers(`{${h.prefix}}:shown-waiters:${run.id}`)).toEqual([]);
  });
});
