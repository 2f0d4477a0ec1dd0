import type { Job } from 'bullmq';
import { Worker } from 'bullmq';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createLogger } from '../../src/observability/create-logger.js';
import { NOTIFY_QUEUE } from '../../src/queue/engine/create-queues.js';
import { deployLogJobId, summaryJobId } from '../../src/queue/engine/job-schemas.js';
import { createDeployLogProcessor } from '../../src/queue/notify/process-deploy-log.js';
import { createSummaryProcessor } from '../../src/queue/notify/process-summary.js';
import { claimPost } from '../../src/queue/notify/notify-once.js';
import { createThreadProcessor } from '../../src/queue/notify/process-thread.js';
import { RunEngine } from '../../src/queue/engine/run-engine.js';
import type { Run } from '../../src/run/core/run-schema.js';
import { CHANNEL, startRenderHarness, type RenderHarness } from './render-harness.js';
import { waitUntil } from '../support/wait-until.js';
import { ALL_EMULATED_SCOPES } from '../../sandbox/slack/method-scopes.js';
import { Redis } from 'ioredis';
import { Writable } from 'node:stream';

let h: RenderHarness;
let worker: Worker | undefined;
let connection: Redis;
/** What the processor logged, one parsed pino line each: its `deployment log uploaded` line says whether it posted. */
let logged: Array<{ msg: string; run?: string; posted?: boolean }>;

beforeEach(async () => {
  h = await startRenderHarness();
  connection = new Redis({ host: '127.0.0.1', port: 6379, maxRetriesPerRequest: null });
  logged = [];
});

afterEach(async () => {
  await worker?.close();
  worker = undefined;
  connection.disconnect();
  await h.close();
});

/** The notify worker with the deploy-log processors and the render loop, the production SlackNotifier into the emulator. */
function startWorker(): void {
  const sink = new Writable({
    write(chunk: Buffer, _encoding, done) {
      logged.push(JSON.parse(chunk.toString('utf8')) as (typeof logged)[number]);
      done();
    },
  });
  const deps = { redis: h.redis, keyPrefix: h.prefix, store: h.store, queues: h.queues, notifier: h.slackNotifier(), logger: createLogger('info', sink), now: Date.now, channelSpacingMs: 50 };
  const engine = new RunEngine({ store: h.store, queues: h.queues, now: Date.now, logger: createLogger('silent') });
  const handlers: Record<string, (job: Job, token?: string) => Promise<void>> = {
    thread: createThreadProcessor(deps),
    summary: createSummaryProcessor({ ...deps, engine }),
    'deploy-log': createDeployLogProcessor(deps),
  };
  worker = new Worker(NOTIFY_QUEUE, (job, token) => handlers[job.name]!(job, token), { connection, prefix: h.queues.prefix });
  h.startRenderLoop(deps.notifier);
}

/** The processor's outcome for the run's log job once it ran to the end: whether it posted. */
async function outcomes(run: Run, count: number): Promise<boolean[]> {
  return waitUntil(
    `${count} deploy-log outcomes of run ${run.id}`,
    async () => {
      const seen = logged.filter((line) => line.msg === 'deployment log uploaded' && line.run === run.id).map((line) => line.posted === true);
      return seen.length >= count ? seen : undefined;
    },
    30_000,
  );
}

describe('the deploy-log job', () => {
  it('uploads the log in the run thread once, even when the job is enqueued again after it completed', async () => {
    startWorker();
    const created = await h.createStoredRun();
    await h.render(created);
    const run = await h.rendered(created.id);
    await h.queues.notify.add('deploy-log', { runId: run.id }, { jobId: deployLogJobId(run) });
    expect(await outcomes(run, 1)).toEqual([true]);
    expect(h.slack.files).toHaveLength(1);
    const file = h.slack.files[0]!;
    expect(file).toMatchObject({ channel: CHANNEL, threadTs: run.messageTs, name: `deployment-log-run-${run.id}.md` });
    expect(file.content.toString('utf8')).toContain(`# Deployment log: web 1.2.3 to production`);
    expect(file.content.toString('utf8')).toContain('- **Deployed by**: Alice Example (U0ALICE)');

    // A duplicate of the job (the reconciler asking again, a retry after the upload) after the first completed.
    await waitUntil('the completed job removed', async () => (await h.queues.notify.getJob(deployLogJobId(run))) === undefined || undefined, 30_000);
    await h.queues.notify.add('deploy-log', { runId: run.id }, { jobId: deployLogJobId(run) });
    expect(await outcomes(run, 2)).toEqual([true, false]);
    expect(h.slack.calls.filter((call) => call.method === 'files.getUploadURLExternal')).toHaveLength(1);
    expect(h.slack.files).toHaveLength(1);
  });

  it('retries an upload Slack failed, and posts it once when Slack takes it', async () => {
    startWorker();
    const created = await h.createStoredRun();
    await h.render(created);
    const run = await h.rendered(created.id);
    h.slack.failNext('files.completeUploadExternal', 1, { error: 'internal_error' });
    await h.queues.notify.add('deploy-log', { runId: run.id }, { jobId: deployLogJobId(run), attempts: 3, backoff: { type: 'fixed', delay: 50 } });
    expect(await outcomes(run, 1)).toEqual([true]);
    expect(h.slack.calls.filter((call) => call.method === 'files.completeUploadExternal').map((call) => call.response.ok)).toEqual([false, true]);
    expect(h.slack.files).toHaveLength(1);
  });

  it('goes with the summary: one reply shares the log under the summary, and a log job queued beside it by an older version posts nothing more', async () => {
    startWorker();
    const created = await h.createStoredRun();
    await h.render(created);
    const run = await h.rendered(created.id);
    const engine = new RunEngine({ store: h.store, queues: h.queues, now: Date.now, logger: createLogger('silent') });
    await engine.dispatch(run, [{ type: 'summary' }]);
    // An older version queued the log as a job of its own beside the summary.
    await h.queues.notify.add('deploy-log', { runId: run.id }, { jobId: deployLogJobId(run) });
    expect(await outcomes(run, 1)).toEqual([false]);
    await waitUntil('the summary recorded', async () => (await h.store.get(run.id))?.summaryPosted || undefined, 30_000);
    const thread = h.slack.thread(CHANNEL, run.messageTs!);
    expect(thread).toHaveLength(1);
    const [share] = thread;
    expect(share!.files).toEqual([{ id: h.slack.files[0]!.id, name: `deployment-log-run-${run.id}.md`, title: `Deployment log — run #${run.id}: web 1.2.3 to production` }]);
    expect(share!.blocks[0]).toMatchObject({ type: 'section', text: { text: expect.stringContaining(`*Deployment summary* — run #${run.id}: web \`1.2.3\``) } });
    expect(h.slack.files).toHaveLength(1);
    expect(h.slack.calls.filter((call) => call.method === 'chat.postMessage' && call.args.thread_ts !== undefined)).toEqual([]);
    expect(await h.queues.notify.getJob(summaryJobId(run))).toBeUndefined();
  });

  it('posts neither again when its retry finds both claims taken (the worker died after Slack shared them), and records the summary', async () => {
    startWorker();
    const created = await h.createStoredRun();
    await h.render(created);
    const run = await h.rendered(created.id);
    const asQueued = { queueName: NOTIFY_QUEUE } as Job;
    for (const claim of [summaryJobId(run), deployLogJobId(run)]) expect(await claimPost(h.store, asQueued, claim)).toBe(true);
    const engine = new RunEngine({ store: h.store, queues: h.queues, now: Date.now, logger: createLogger('silent') });
    await engine.dispatch(run, [{ type: 'summary' }]);
    await waitUntil('the summary recorded', async () => (await h.store.get(run.id))?.summaryPosted || undefined, 30_000);
    expect(await outcomes(run, 1)).toEqual([false]);
    expect(h.slack.thread(CHANNEL, run.messageTs!)).toEqual([]);
    expect(h.slack.calls.filter((call) => call.method.startsWith('files.'))).toEqual([]);
  });

  it('posts the summary alone when Slack refuses the file for good, and the log’s own attempt after it fails with Slack’s reason', async () => {
    await h.close();
    h = await startRenderHarness({ slack: { scopes: ALL_EMULATED_SCOPES.filter((scope) => scope !== 'files:write') } });
    startWorker();
    const created = await h.createStoredRun();
    await h.render(created);
    const run = await h.rendered(created.id);
    const engine = new RunEngine({ store: h.store, queues: h.queues, now: Date.now, logger: createLogger('silent') });
    const failed = new Promise<string>((resolve) => worker!.on('failed', (job, err) => job?.id === summaryJobId(run) && resolve(err.message)));
    await engine.dispatch(run, [{ type: 'summary' }]);
    expect(await failed).toContain('missing_scope');
    expect(h.slack.calls.filter((call) => call.method === 'files.getUploadURLExternal').map((call) => call.response.error)).toEqual(['missing_scope', 'missing_scope']);
    expect(h.slack.thread(CHANNEL, run.messageTs!).map((reply) => reply.text)).toEqual([`Deployment summary for run #${run.id}: web 1.2.3 to production, ${run.state}`]);
    expect(h.slack.files).toEqual([]);
    expect((await h.store.get(run.id))?.summaryPosted).toBe(true);
    expect(logged.find((line) => line.msg.startsWith('the deployment log could not be shared'))).toMatchObject({ run: run.id });
  });

  it('posts the log again, with the results, when the engine reports a follow-up phase of the run ended', async () => {
    startWorker();
    const created = await h.createStoredRun();
    await h.render(created);
    const run = await h.rendered(created.id);
    await h.queues.notify.add('deploy-log', { runId: run.id }, { jobId: deployLogJobId(run) });
    expect(await outcomes(run, 1)).toEqual([true]);
    const engine = new RunEngine({ store: h.store, queues: h.queues, now: Date.now, logger: createLogger('silent') });
    await engine.dispatch(run, [{ type: 'thread', note: { kind: 'phase-completed', phaseTitle: 'Day after', followUp: true } }]);
    expect(await outcomes(run, 2)).toEqual([true, true]);
    expect(h.slack.files.map((file) => file.title)).toEqual([
      `Deployment log — run #${run.id}: web 1.2.3 to production`,
      `Deployment log — run #${run.id}: web 1.2.3 to production, with follow-up results`,
    ]);
    // A regular phase's end is no follow-up: its thread reply is queued, and no log (nor a render: its write asks for that).
    await worker!.pause();
    const later = { ...run, seq: run.seq + 1 };
    await engine.dispatch(later, [{ type: 'thread', note: { kind: 'phase-completed', phaseTitle: 'Go', followUp: false } }]);
    const queued = await h.queues.notify.getJobs(['waiting', 'delayed', 'prioritized']);
    expect(queued.map((job) => job.name)).toEqual(['thread']);
  });
});
