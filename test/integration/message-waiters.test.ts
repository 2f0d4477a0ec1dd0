import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { SlackEmulator } from '../../sandbox/slack/index.js';
import { waitUntil } from '../support/wait-until.js';
import { CHANNEL, startRenderHarness, type RenderHarness } from './render-harness.js';

// A reply queued before its run's message exists sleeps as a delayed job among the run's message waiters, and the
// render that posts the message wakes it: one sleep, not a look every second until the message is there.

let harness: RenderHarness;
let slack: SlackEmulator;

beforeEach(async () => {
  harness = await startRenderHarness();
  ({ slack } = harness);
});

afterEach(async () => {
  await harness.close();
});

describe("a reply waiting for its run's message", () => {
  it('sleeps once among the waiters and is woken by the render that posts the message, then posted under it', async () => {
    const { queues, store } = harness;
    harness.startReplyWorker(harness.slackNotifier());
    const run = await harness.createStoredRun();
    const reply = await queues.notify.add('thread', { runId: run.id, note: { kind: 'text', text: 'Smoke tests passed' } }, { jobId: `thread-${run.id}-1-0` });
    // Asleep as a delayed job (not in the worker), named among the run's waiters.
    await waitUntil('the reply asleep until the message exists', async () => ((await reply.getState()) === 'delayed' ? true : undefined), 10_000);
    expect(await harness.redis.smembers(`{${harness.prefix}}:message-waiters:${run.id}`)).toEqual([`notify:thread-${run.id}-1-0`]);
    const delayedUntil = (await queues.notify.getJob(reply.id!))!.delay + (await queues.notify.getJob(reply.id!))!.timestamp;

    harness.startRenderLoop(harness.slackNotifier());
    const posted = await harness.rendered(run.id);
    await waitUntil('the reply posted', async () => (slack.thread(CHANNEL, posted.messageTs!).some((r) => r.text === 'Smoke tests passed') ? true : undefined), 10_000);
    // Woken, not slept out: it was posted before the end of its sleep, and the waiters are forgotten.
    expect(Date.now()).toBeLessThan(delayedUntil);
    expect(await harness.redis.exists(`{${harness.prefix}}:message-waiters:${run.id}`)).toBe(0);
    expect(await store.renders.awaitMessage(run.id, 'notify:late')).toBe(true);
  });
});
