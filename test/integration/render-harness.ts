import { randomBytes } from 'node:crypto';
import { Writable } from 'node:stream';
import { Worker } from 'bullmq';
import { Redis } from 'ioredis';
import { createLogger } from '../../src/observability/create-logger.js';
import { createQueues, NOTIFY_QUEUE, type Queues } from '../../src/queue/engine/create-queues.js';
import { createRunRenderer, type ProcessRenderOptions } from '../../src/queue/notify/process-render.js';
import { startRenderLoop as startLoop, type RenderLoop } from '../../src/queue/notify/render-loop.js';
import { createThreadProcessor } from '../../src/queue/notify/process-thread.js';
import type { RunNotifier } from '../../src/queue/notify/run-notifier.js';
import type { Run } from '../../src/run/core/run-schema.js';
import { RunStore } from '../../src/run/store/run-store.js';
import { createSlackClient, SlackNotifier } from '../../src/slack/slack-notifier.js';
import { startSlackEmulator, type SlackEmulator, type SlackEmulatorOptions } from '../../sandbox/slack/index.js';
import { createStoredRun } from '../support/create-stored-run.js';
import { deleteKeys } from '../support/delete-keys.js';
import { waitUntil } from '../support/wait-until.js';

export const CHANNEL = 'C0DEPLOY';

type RenderWorkerOptions = Partial<Pick<ProcessRenderOptions, 'channelSpacingMs' | 'messageLagBoundMs'>> & { concurrency?: number };

/**
 * The render loop and the thread replies' BullMQ worker on the real Redis, writing through the production
 * SlackNotifier into the Slack emulator: what a worker process does for Slack, without the rest of flightdeck.
 */
export interface RenderHarness {
  slack: SlackEmulator;
  redis: Redis;
  prefix: string;
  store: RunStore;
  queues: Queues;
  /** Everything the render processors logged at warn and above. */
  logLines: string[];
  /** The production notifier: the real SlackNotifier and WebClient configuration, pointed at the emulator. */
  slackNotifier(): SlackNotifier;
  /**
   * A render loop rendering `concurrency` runs at once (default 1) and a BullMQ worker on the notify queue running
   * the thread processor, as start-workers wires them. `channelSpacingMs` (default 50) spaces renders; thread
   * replies keep the production spacing.
   */
  startRenderWorker(notifier: RunNotifier, options?: RenderWorkerOptions): RenderLoop;
  /** Only the render loop of {@link startRenderWorker}. */
  startRenderLoop(notifier: RunNotifier, options?: RenderWorkerOptions): RenderLoop;
  /** Only the BullMQ worker of {@link startRenderWorker}, running the thread processor. */
  startReplyWorker(notifier: RunNotifier, concurrency?: number): Worker;
  createStoredRun(service?: string): Promise<Run>;
  /** Asks for a render of the run, as the reconciler does (its writes ask for one themselves). */
  render(run: Run): Promise<void>;
  /** The run once its message ts is stored and its latest change is rendered. */
  rendered(id: string, timeoutMs?: number): Promise<Run>;
  close(): Promise<void>;
}

/** `slack`: options of the Slack emulator beyond its one channel (its scopes, say). */
export async function startRenderHarness(options: { slack?: SlackEmulatorOptions } = {}): Promise<RenderHarness> {
  const slack = await startSlackEmulator({ ...options.slack, channels: [CHANNEL] });
  const prefix = `it-render-${randomBytes(4).toString('hex')}`;
  const redis = new Redis({ host: '127.0.0.1', port: 6379, maxRetriesPerRequest: null });
  const connection = new Redis({ host: '127.0.0.1', port: 6379, maxRetriesPerRequest: null });
  const store = new RunStore(redis, prefix);
  const queues = createQueues(redis, prefix);
  const logLines: string[] = [];
  const workers: Worker[] = [];
  const loops: RenderLoop[] = [];
  const logger = createLogger(
    'warn',
    new Writable({
      write(chunk: Buffer, _encoding, done) {
        logLines.push(chunk.toString('utf8'));
        done();
      },
    }),
  );
  const startRenderLoop = (notifier: RunNotifier, options: RenderWorkerOptions = {}) => {
    const { concurrency = 1, channelSpacingMs = 50, ...rest } = options;
    const renderRun = createRunRenderer({ redis, keyPrefix: prefix, store, notifier, logger, queues, channelSpacingMs, ...rest });
    const loop = startLoop({ store, subscriber: connection.duplicate(), renderRun, concurrency, logger });
    loops.push(loop);
    return loop;
  };
  const startReplyWorker = (notifier: RunNotifier, concurrency = 1) => {
    const thread = createThreadProcessor({ redis, keyPrefix: prefix, store, notifier, logger });
    const worker = new Worker(NOTIFY_QUEUE, (job, token) => thread(job, token), { connection, prefix: queues.prefix, concurrency });
    workers.push(worker);
    return worker;
  };
  return {
    slack,
    redis,
    prefix,
    store,
    queues,
    logLines,
    slackNotifier: () => new SlackNotifier(createSlackClient({ token: slack.token, apiUrl: slack.apiUrl })),
    startRenderWorker(notifier, options = {}) {
      startReplyWorker(notifier, options.concurrency);
      return startRenderLoop(notifier, options);
    },
    startRenderLoop,
    startReplyWorker,
    createStoredRun: (service = 'web') => createStoredRun(store, service, CHANNEL),
    async render(run) {
      await store.renders.askRender(run.id);
    },
    rendered(id, timeoutMs) {
      return waitUntil(
        `run ${id} rendered`,
        async () => {
          const run = await store.get(id);
          return run?.messageTs && (await store.renders.getRenderedSeq(id)) >= run.seq ? run : undefined;
        },
        timeoutMs,
      );
    },
    async close() {
      await Promise.all([...workers.map((worker) => worker.close()), ...loops.map((loop) => loop.close())]);
      await queues.close();
      await deleteKeys(redis, `{${prefix}}*`);
      redis.disconnect();
      connection.disconnect();
      await slack.close();
    },
  };
}

/**
 * The blocks of a stored message without the `block_id`s Slack adds to blocks sent without one, so they
 * compare equal to flightdeck's own rendering.
 */
export function withoutSlackBlockIds(blocks: readonly object[], rendered: readonly object[]): object[] {
  return blocks.map((block, i) => {
    const own = rendered[i] as { block_id?: string } | undefined;
    if (own?.block_id !== undefined) return block;
    const { block_id: _added, ...rest } = block as { block_id?: string };
    return rest;
  });
}

/** Every method of `real`, as a plain object a test can override one method of. */
export function notifierOf(real: SlackNotifier): RunNotifier {
  return {
    post: (run) => real.post(run),
    findPosted: (run, since) => real.findPosted(run, since),
    update: (run, ts) => real.update(run, ts),
    shownDigest: (run) => real.shownDigest(run),
    postThread: (run, note) => real.postThread(run, note),
    postSummary: (run, log) => real.postSummary(run, log),
    postLog: (run, audit, now, followUp) => real.postLog(run, audit, now, followUp),
    postJobLog: (run, log) => real.postJobLog(run, log),
    postPhaseReminder: (run, phaseId) => real.postPhaseReminder(run, phaseId),
    postAnnouncement: (run, channel) => real.postAnnouncement(run, channel),
    postStatsChart: (chart) => real.postStatsChart(chart),
  };
}
