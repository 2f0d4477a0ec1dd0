import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createLogger } from '../../src/observability/create-logger.js';
import { RunEngine } from '../../src/queue/engine/run-engine.js';
import type { RunNotifier } from '../../src/queue/notify/run-notifier.js';
import type { Run } from '../../src/run/core/run-schema.js';
import type { RunStore } from '../../src/run/store/run-store.js';
import { transition } from '../../src/run/core/transition.js';
import { renderRunMessage } from '../../src/slack/render-run-message.js';
import type { SlackEmulator } from '../../sandbox/slack/index.js';
import { waitUntil } from '../support/wait-until.js';
import { CHANNEL, notifierOf, startRenderHarness, withoutSlackBlockIds, type RenderHarness } from './render-harness.js';

let harness: RenderHarness;
let slack: SlackEmulator;
let store: RunStore;
let logLines: string[];

beforeEach(async () => {
  harness = await startRenderHarness();
  ({ slack, store, logLines } = harness);
});

afterEach(async () => {
  await harness.close();
});

const slackNotifier = () => harness.slackNotifier();
const startRenderWorker = (notifier: RunNotifier) => harness.startRenderWorker(notifier);
const createStoredRun = () => harness.createStoredRun();
const render = (run: Run) => harness.render(run);
const rendered = (id: string) => harness.rendered(id);

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
      ...notifierOf(real),
      post: async (run) => {
        const ts = await real.post(run);
        if (crashes-- > 0) throw new Error('worker stopped before storing the ts');
        return ts;
      },
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
    expect(logLines.join('')).toMatch(/refused conversations\.history \(missing_scope\): the flightdeck app lacks a permission \(scope\)[\s\S]*posting again/);
  });

  it('costs no history search when nothing went wrong', async () => {
    startRenderWorker(slackNotifier());
    const run = await createStoredRun();
    await render(run);
    await rendered(run.id);
    expect(slack.messages(CHANNEL)).toHaveLength(1);
    expect(callsOf('conversations.history')).toHaveLength(0);
  });

  it('takes the changes made while it waits for its turn ahead of the line, with no render of their own', async () => {
    harness.startRenderWorker(slackNotifier(), { channelSpacingMs: 3_000 });
    const engine = new RunEngine({ store, queues: harness.queues, now: Date.now, logger: createLogger('silent') });
    // A first message takes the channel's turn, so the next run's first post sleeps a spacing for its own.
    const earlier = await createStoredRun();
    await render(earlier);
    await rendered(earlier.id);
    const run = await harness.createStoredRun('api');
    await render(run);
    const waitingKey = `{${harness.prefix}}:render-waiting:${run.id}`;
    await waitUntil('the first post to sleep for its turn ahead of the line', async () => ((await harness.redis.get(waitingKey))?.startsWith('ahead:') ? true : undefined));

    const started = await engine.apply(run.id, { type: 'start', actor: 'U0ALICE' });
    expect(started.seq).toBeGreaterThan(run.seq);
    // The change left the run's render where it was in the render queue: at its turn, not due at once.
    expect(Number(await harness.redis.zscore(`{${harness.prefix}}:render-due-at:queue`, run.id))).toBeGreaterThan(Date.now());

    const shown = await rendered(run.id);
    expect(shown.seq).toBeGreaterThanOrEqual(started.seq);
    const message = slack.message(CHANNEL, shown.messageTs!)!;
    const expected = renderRunMessage(shown).blocks;
    expect(withoutSlackBlockIds(message.blocks, expected)).toEqual(expected);
    expect(slack.messages(CHANNEL)).toHaveLength(2);
  });
});
