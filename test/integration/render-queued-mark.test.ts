import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createLogger } from '../../src/observability/create-logger.js';
import { renderJobId } from '../../src/queue/engine/job-schemas.js';
import { reconcileRuns } from '../../src/queue/engine/reconcile-runs.js';
import { RENDER_QUEUED_TTL_MS, RunEngine } from '../../src/queue/engine/run-engine.js';
import type { RunEvent } from '../../src/run/core/transition.js';
import { renderRunMessage } from '../../src/slack/render-run-message.js';
import { MESSAGE_LAG_BOUND_MS } from '../../src/queue/notify/process-render.js';
import { runKeys } from '../../src/run/store/run-keys.js';
import { waitUntil } from '../support/wait-until.js';
import { CHANNEL, startRenderHarness, withoutSlackBlockIds, type RenderHarness } from './render-harness.js';

/*
 * The run's render-queued mark: while a render job the engine queued has not read the run, the run's later
 * changes queue none (that job shows them); once it has given the mark up, right before its read, the next
 * change queues its own. A mark whose job was lost stops renders only until it lapses or a late render frees it.
 */

const logger = createLogger('silent');
const START: RunEvent = { type: 'start', actor: 'U0ALICE' };
const pause = (i: number): RunEvent => (i % 2 === 0 ? { type: 'pause', actor: 'U0ALICE', reason: `pause ${i}` } : { type: 'resume', actor: 'U0ALICE' });

let h: RenderHarness;
let engine: RunEngine;

beforeEach(async () => {
  h = await startRenderHarness();
  engine = new RunEngine({ store: h.store, queues: h.queues, now: Date.now, logger });
});

afterEach(async () => {
  await h.close();
});

const markKey = (runId: string) => runKeys(h.prefix).renderQueued(runId);
const waitingKey = (runId: string) => runKeys(h.prefix).renderWaiting(runId);

/** The ids of the run's render jobs still in the notify queue, in any state but finished. */
async function renderJobsOf(runId: string): Promise<string[]> {
  const jobs = await h.queues.notify.getJobs(['wait', 'prioritized', 'delayed', 'active']);
  return jobs
    .filter((job) => job.name === 'render' && job.data.runId === runId)
    .map((job) => job.id!)
    .sort();
}

describe("a run's render-queued mark", () => {
  it('lets many changes made before the render reads the run queue one job, and a change after its read another', async () => {
    const created = await h.createStoredRun();
    const started = await engine.apply(created.id, START);
    let latest = started;
    for (let i = 0; i < 6; i++) latest = await engine.apply(created.id, pause(i));
    expect(latest.seq).toBeGreaterThan(started.seq + 5);
    const first = renderJobId(started, started.seq, 'marked');
    expect(await renderJobsOf(created.id)).toEqual([first]);
    expect(await h.redis.get(markKey(created.id))).toBe(first);

    // Slack sits on the first post, so the render is still under way when the run changes after its read.
    h.slack.holdNext('chat.postMessage', 1, 4_000);
    h.startRenderWorker(h.slackNotifier());
    await waitUntil('the render to give up the mark and read the run', async () => ((await h.redis.exists(markKey(created.id))) === 0 ? true : undefined));
    const after = await engine.apply(created.id, pause(6));
    expect(await renderJobsOf(created.id)).toEqual([first, renderJobId(after, after.seq, 'marked')].sort());

    const shown = await h.rendered(created.id, 30_000);
    expect(shown.seq).toBeGreaterThanOrEqual(after.seq);
    const expected = renderRunMessage(shown).blocks;
    expect(withoutSlackBlockIds(h.slack.message(CHANNEL, shown.messageTs!)!.blocks, expected)).toEqual(expected);
    // Eight changes, two render jobs: one post and one edit of the run message (the pauses post thread replies too).
    const messageWrites = h.slack.calls.filter((call) => (call.method === 'chat.postMessage' || call.method === 'chat.update') && call.args.thread_ts === undefined);
    expect(messageWrites.map((call) => call.method)).toEqual(['chat.postMessage', 'chat.update']);
  });

  it('is taken by one job at a time, lapses, and is given up only by its own job or by a late render', async () => {
    const created = await h.createStoredRun();
    const { renders } = h.store;
    const mark = renderJobId(created, created.seq, 'marked');
    expect(await renders.renderWanted(created.id, MESSAGE_LAG_BOUND_MS, { jobId: mark, ttlMs: RENDER_QUEUED_TTL_MS })).toBe(true);
    expect(await renders.renderWanted(created.id, MESSAGE_LAG_BOUND_MS, { jobId: 'render-another', ttlMs: RENDER_QUEUED_TTL_MS })).toBe(false);
    expect(await renders.renderWanted(created.id, MESSAGE_LAG_BOUND_MS)).toBe(false);
    const ttl = await h.redis.pttl(markKey(created.id));
    expect(ttl).toBeGreaterThan(0);
    expect(ttl).toBeLessThanOrEqual(RENDER_QUEUED_TTL_MS);

    // A render of another kind reads the run too, but the marked job has yet to: the mark stays.
    await renders.releaseRenderMarks(created.id, renderJobId(created, created.seq), false);
    expect(await h.redis.get(markKey(created.id))).toBe(mark);
    await renders.releaseRenderMarks(created.id, mark, false);
    expect(await h.redis.exists(markKey(created.id))).toBe(0);

    expect(await renders.renderWanted(created.id, MESSAGE_LAG_BOUND_MS, { jobId: mark, ttlMs: RENDER_QUEUED_TTL_MS })).toBe(true);
    await renders.releaseRenderMarks(created.id, renderJobId(created, created.seq, 'late'), true);
    expect(await h.redis.exists(markKey(created.id))).toBe(0);
  });

  it('is not needed while a render waits for its turn in the line, until the oldest change not shown passes the lag bound', async () => {
    const created = await h.createStoredRun();
    const started = await engine.apply(created.id, START);
    const { renders } = h.store;
    // The engine's job has read the run and sleeps for its turn in the channel's line (process-render.ts).
    await renders.releaseRenderMarks(created.id, renderJobId(started, started.seq, 'marked'), false);
    await h.redis.set(waitingKey(created.id), 'render-in-line', 'PX', 60_000);
    const later = await engine.apply(created.id, pause(0));
    expect(await renderJobsOf(created.id)).toEqual([renderJobId(started, started.seq, 'marked')]);
    const boundMs = 200;
    expect(await renders.renderWanted(created.id, boundMs, { jobId: renderJobId(later, later.seq, 'marked'), ttlMs: RENDER_QUEUED_TTL_MS })).toBe(false);

    // Past the bound the one in the line no longer stands for the change: a job that goes ahead of it is wanted.
    await waitUntil('the message to trail its run past the bound', async () => {
      const lagMs = await renders.lagOf(created.id);
      return lagMs !== undefined && lagMs > boundMs ? true : undefined;
    });
    expect(await renders.renderWanted(created.id, boundMs, { jobId: renderJobId(later, later.seq, 'marked'), ttlMs: RENDER_QUEUED_TTL_MS })).toBe(true);
    // One that goes ahead of the line stands for every change, however late.
    await renders.releaseRenderMarks(created.id, renderJobId(later, later.seq, 'marked'), false);
    await h.redis.set(waitingKey(created.id), 'ahead:render-ahead', 'PX', 60_000);
    expect(await renders.renderWanted(created.id, boundMs, { jobId: renderJobId(later, later.seq, 'marked'), ttlMs: RENDER_QUEUED_TTL_MS })).toBe(false);
  });

  it('left by a job that was never added stops the run’s renders only until it lapses', async () => {
    const created = await h.createStoredRun();
    // As a process leaves it that died between taking the mark and adding the job.
    await h.redis.set(markKey(created.id), renderJobId(created, created.seq, 'marked'), 'PX', 500);
    await engine.apply(created.id, START);
    expect(await renderJobsOf(created.id)).toEqual([]);

    await waitUntil('the mark to lapse', async () => ((await h.redis.exists(markKey(created.id))) === 0 ? true : undefined));
    const paused = await engine.apply(created.id, pause(0));
    expect(await renderJobsOf(created.id)).toEqual([renderJobId(paused, paused.seq, 'marked')]);
  });

  it('of a job removed before it ran holds back no late render of the reconciler, which frees it', async () => {
    const boundMs = 200;
    const created = await h.createStoredRun();
    const started = await engine.apply(created.id, START);
    const lost = renderJobId(started, started.seq, 'marked');
    // Removed unrun, as a job that failed for good before its read would be.
    await h.queues.notify.remove(lost);
    expect(await h.redis.get(markKey(created.id))).toBe(lost);
    await waitUntil('the message to trail its run past the bound', async () => {
      const lagMs = await h.store.renders.lagOf(created.id);
      return lagMs !== undefined && lagMs > boundMs ? true : undefined;
    });

    await reconcileRuns(h.store, engine, logger, { redis: h.redis, keyPrefix: h.prefix, messageLagBoundMs: boundMs });
    // Asking again in the line would wait for the mark; the late render goes regardless.
    expect(await renderJobsOf(created.id)).toEqual([renderJobId(started, started.seq, 'late')]);

    h.startRenderWorker(h.slackNotifier(), { messageLagBoundMs: boundMs });
    await h.rendered(created.id, 30_000);
    expect(await h.redis.exists(markKey(created.id))).toBe(0);
    // Freed: the next change queues a render of its own, and the message shows it.
    const paused = await engine.apply(created.id, pause(0));
    const shown = await h.rendered(created.id, 30_000);
    expect(shown.seq).toBeGreaterThanOrEqual(paused.seq);
    expect(h.slack.message(CHANNEL, shown.messageTs!)!.text).toBe(renderRunMessage(shown).text);
  });
});
