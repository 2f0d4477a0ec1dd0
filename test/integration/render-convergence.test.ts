import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createLogger } from '../../src/observability/create-logger.js';
import { reconcileRuns } from '../../src/queue/engine/reconcile-runs.js';
import { RunEngine } from '../../src/queue/engine/run-engine.js';
import type { Run } from '../../src/run/core/run-schema.js';
import { transition } from '../../src/run/core/transition.js';
import { renderRunMessage } from '../../src/slack/render-run-message.js';
import { waitUntil } from '../support/wait-until.js';
import { CHANNEL, notifierOf, startRenderHarness, withoutSlackBlockIds, type RenderHarness } from './render-harness.js';

/** Slack's answer to one call, held this long: two held attempts outlast the render lock flightdeck used to take for 15 s. */
const HOLD_MS = 9_000;

let h: RenderHarness;

beforeEach(async () => {
  h = await startRenderHarness();
});

afterEach(async () => {
  await h.close();
});

/** Applies an event to the stored run, as the engine would, and enqueues its render. */
async function change(run: Run, event: Parameters<typeof transition>[1]): Promise<Run> {
  const { run: next } = await h.store.update(run.id, (current) => transition(current, event, Date.now()));
  await h.render(next);
  return next;
}

const updates = () => h.slack.calls.filter((call) => call.method === 'chat.update');

describe('a run message converges to its run', () => {
  it('makes no Slack edit for a change its message does not show, and edits for the next one it does', async () => {
    h.startRenderWorker(h.slackNotifier());
    const created = await h.createStoredRun();
    await h.render(created);
    const posted = await h.rendered(created.id);
    expect(updates()).toHaveLength(0);

    // The commit CI built the version from is kept for the four keys' lead time; the message does not show it.
    const commit = { sha: '4f2a9c1', at: Date.now() - 60_000 };
    const { run: hidden } = await h.store.update(posted.id, (current) => ({ run: { ...current, commit }, audit: [], effects: [] }));
    expect(hidden.seq).toBeGreaterThan(posted.seq);
    await h.render(hidden);
    expect((await h.rendered(hidden.id)).seq).toBe(hidden.seq);
    expect(updates()).toHaveLength(0);
    expect(h.logLines).toEqual([]);

    const started = await change(hidden, { type: 'start', actor: 'U0ALICE' });
    const latest = await h.rendered(started.id);
    expect(updates().map((call) => call.response.ok)).toEqual([true]);
    const expected = renderRunMessage(latest).blocks;
    expect(withoutSlackBlockIds(h.slack.message(CHANNEL, latest.messageTs!)!.blocks, expected)).toEqual(expected);
  });

  it('edits a message whose last edit was never recorded, though its run looks again as the message was recorded to', async () => {
    const real = h.slackNotifier();
    let stopAfterEdit: (() => Promise<void>) | undefined;
    h.startRenderWorker({
      ...notifierOf(real),
      async update(run, ts) {
        await real.update(run, ts);
        const stop = stopAfterEdit;
        stopAfterEdit = undefined;
        if (stop) {
          await stop();
          throw new Error('the worker stopped after the edit, before recording it');
        }
      },
    });
    const created = await h.createStoredRun();
    await h.render(created);
    await h.rendered(created.id);
    const running = await change((await h.store.get(created.id))!, { type: 'start', actor: 'U0ALICE' });
    await h.rendered(running.id);

    // The edit that shows the run paused reaches Slack; before it is recorded the run is resumed, and looks as the message was recorded to.
    let resumed: Run | undefined;
    stopAfterEdit = async () => {
      ({ run: resumed } = await h.store.update(running.id, (current) => transition(current, { type: 'resume', actor: 'U0ALICE' }, Date.now())));
    };
    await change((await h.store.get(running.id))!, { type: 'pause', actor: 'U0ALICE' });
    await waitUntil('the run to be resumed', () => resumed);
    expect(real.shownDigest(resumed!)).toBe(real.shownDigest(running));

    const latest = await h.rendered(running.id, 30_000);
    expect(latest.seq).toBe(resumed!.seq);
    const expected = renderRunMessage(latest).blocks;
    expect(withoutSlackBlockIds(h.slack.message(CHANNEL, latest.messageTs!)!.blocks, expected)).toEqual(expected);
    expect(updates().filter((call) => call.response.ok)).toHaveLength(3);
  });

  it('shows the latest change when Slack answers an older render slower than the render lock lives', async () => {
    h.startRenderWorker(h.slackNotifier(), { concurrency: 2 });
    const created = await h.createStoredRun();
    await h.render(created);
    const posted = await h.rendered(created.id);

    // The next edit takes two attempts, each answered after HOLD_MS: a 500, then the edit itself.
    h.slack.holdNext('chat.update', 2, HOLD_MS);
    h.slack.failNext('chat.update', 1, { status: 500 });
    const started = await change(posted, { type: 'start', actor: 'U0ALICE' });
    // That render has read the run (it forgets what the message showed right before its edit) and holds the run's
    // render lock while Slack sits on its edit; the next change comes meanwhile. Waiting only for the lock, the change
    // could come between the lock and the read under load (seen in CI): that render then showed it itself, in one edit.
    await waitUntil('the slow render to be editing', async () => ((await h.store.renders.readForRender(started.id))?.shown === undefined ? true : undefined));
    expect(await h.redis.exists(`{${h.prefix}}:render-lock:${started.id}`)).toBe(1);
    const ticked = await change(started, { type: 'tick', itemId: 'check', actor: 'U0BOB', actorRoles: [] });
    expect(ticked.seq).toBeGreaterThan(started.seq);

    // Both held attempts and the later render's edit have reached Slack, and the run is recorded as shown.
    // Should it run out, the failure says what Slack was asked and what the renders logged.
    await waitUntil(
      'every edit to reach Slack',
      () => {
        if (updates().filter((call) => call.response.ok).length >= 2) return true;
        const asked = updates().map((call) => `${call.at - posted.createdAt} ms: ${call.status} ${call.response.ok ? 'ok' : String(call.response.error)}`);
        throw new Error(`chat.update so far [${asked.join('; ')}]; logged [${h.logLines.join('').trim()}]`);
      },
      60_000,
    );
    const latest = await h.rendered(created.id, 60_000);
    expect(latest.seq).toBe(ticked.seq);
    const message = h.slack.message(CHANNEL, latest.messageTs!)!;
    // What people see is the latest change, not the slow render's older rendering landing last.
    const expected = renderRunMessage(latest).blocks;
    expect(withoutSlackBlockIds(message.blocks, expected)).toEqual(expected);
    expect(updates().at(-1)!.response.ok).toBe(true);
    // Two edits held HOLD_MS each come first: 18 s at the least, past the suite's 30 s default on a loaded machine.
  }, 90_000);

  it('goes ahead of the thread replies queued in its channel once it trails its run past the bound', async () => {
    const boundMs = 2_000;
    h.startRenderWorker(h.slackNotifier(), { concurrency: 4, channelSpacingMs: 1_100, messageLagBoundMs: boundMs });
    const engine = new RunEngine({ store: h.store, queues: h.queues, now: Date.now, logger: createLogger('silent') });
    const created = await h.createStoredRun();
    await h.render(created);
    const posted = await h.rendered(created.id);

    // Twenty replies book the channel's next 22 seconds, then the run changes: its render books behind them.
    for (let i = 0; i < 20; i++) await h.queues.notify.add('thread', { runId: posted.id, text: `reply ${i}` }, { jobId: `thread-x-${i}` });
    await waitUntil('the replies to start going out', () => (h.slack.thread(CHANNEL, posted.messageTs!).length > 0 ? true : undefined));
    const started = await change(posted, { type: 'start', actor: 'U0ALICE' });
    await waitUntil('the message to trail its run past the bound', async () => {
      const { now, due } = await h.store.renders.renderDue();
      const since = due.find((d) => d.id === started.id)?.since;
      return since !== undefined && now - since > boundMs ? true : undefined;
    });
    expect(h.slack.thread(CHANNEL, posted.messageTs!).length).toBeLessThan(20);

    await reconcileRuns(h.store, engine, createLogger('silent'), { redis: h.redis, keyPrefix: h.prefix, messageLagBoundMs: boundMs });
    const latest = await h.rendered(started.id, 30_000);
    const expected = renderRunMessage(latest).blocks;
    expect(withoutSlackBlockIds(h.slack.message(CHANNEL, latest.messageTs!)!.blocks, expected)).toEqual(expected);
    // Shown before the line of replies had gone out: it did not wait behind all of them.
    expect(h.slack.thread(CHANNEL, posted.messageTs!).length).toBeLessThan(20);
    expect(h.logLines.join('')).toMatch(/rendering ahead of the line/);
  });
});
