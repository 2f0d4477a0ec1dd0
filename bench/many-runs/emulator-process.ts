import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { startKubernetesEmulator, writeKubeconfigFor } from '../../sandbox/kubernetes/index.js';
import { startSlackEmulator, type RecordedCall, type SlackEmulator } from '../../sandbox/slack/index.js';
import { BENCH_CONTAINER, placementOf, repositoryOf, serviceName } from '../bench-catalog.js';
import { measureMessageLag } from '../message-lag.js';
import type { EmulatorAnswer, EmulatorRequest, EmulatorStarted, EmulatorTallies, EmulatorWorld, SlackProgress, SlashCommandContext } from './emulator-messages.js';
import { tallyChannels } from './tally-channels.js';
import { tallyKubernetes, tallySlack } from './tally-calls.js';

// The Slack and Kubernetes emulators of the many-runs measurement in a process of their own (forked by
// start-emulator-process.ts), so their CPU is neither the bench's nor flightdeck's and can be read from /proc.
// The records stay here; the bench asks over IPC for what it reports.

const USER_ID = 'U0ALICE';

function send(message: EmulatorStarted | EmulatorAnswer): void {
  process.send?.(message);
}

function progress(slack: SlackEmulator, channels: ReadonlySet<string>): SlackProgress {
  let messages = 0;
  for (const channel of channels) {
    for (const message of slack.messages(channel)) if (message.blocks.some((block) => block.block_id === 'outcome')) messages += 1;
  }
  // The deployment log goes out with the summary, after every other reply of its run: a thread with it is complete.
  const threads = new Set<string>();
  for (const file of slack.files) {
    if (file.channel !== undefined && channels.has(file.channel) && file.threadTs !== undefined && file.name.startsWith('deployment-log-run-')) threads.add(`${file.channel}:${file.threadTs}`);
  }
  return { messages, threads: threads.size };
}

function writeSlackCallLog(path: string, calls: readonly RecordedCall[], t0: number): void {
  const line = (call: RecordedCall) =>
    JSON.stringify({ method: call.method, channel: call.args.channel, thread: call.args.thread_ts !== undefined, status: call.status, atMs: call.at - t0 });
  writeFileSync(path, calls.map(line).join('\n'));
}

async function start(world: EmulatorWorld): Promise<void> {
  const slack = await startSlackEmulator({ channels: world.channels });
  // One cluster, as a team deploying these services would have: every Deployment in one emulator instance.
  const k8s = await startKubernetesEmulator({ readyDelayMs: world.readyDelayMs, tickMs: world.tickMs });
  for (const method of ['chat.postMessage', 'chat.update', 'files.completeUploadExternal']) slack.rateLimit({ method, perChannelPerSecond: 1 });
  for (let i = 0; i < world.services; i += 1) {
    const name = serviceName(i);
    k8s.seedDeployment({ namespace: name, name, container: BENCH_CONTAINER, image: `${repositoryOf(name)}:v1.0.0`, replicas: world.replicas });
  }
  const kubeconfigPath = join(mkdtempSync(join(tmpdir(), 'flightdeck-bench-kube-')), 'kubeconfig');
  writeKubeconfigFor(kubeconfigPath, [{ context: placementOf(0, world.services, 1).context, emulator: k8s }]);
  let from = { k8s: 0, k8sConnections: 0, slack: 0, t0: Date.now() };
  const runChannels = new Set(world.channels);

  const answer = async (request: EmulatorRequest): Promise<unknown> => {
    switch (request.kind) {
      case 'slash-command-context': {
        const issued = Array.from({ length: request.count }, (_, i) => ({
          responseUrl: slack.responseUrl({ channelId: world.channels[i % world.channels.length] as string, userId: USER_ID }),
          triggerId: slack.triggerId(USER_ID),
        }));
        const context: SlashCommandContext = { teamId: slack.teamId, teamDomain: slack.teamDomain, appId: slack.appId, userId: USER_ID, userName: slack.user(USER_ID)?.name ?? USER_ID.toLowerCase(), issued };
        return context;
      }
      case 'mark':
        from = { k8s: k8s.requests.length, k8sConnections: k8s.connections, slack: slack.calls.length, t0: request.t0 };
        return null;
      case 'progress':
        return progress(slack, runChannels);
      case 'tallies': {
        const calls = slack.calls.slice(from.slack);
        if (request.slackCallLog) writeSlackCallLog(request.slackCallLog, calls, from.t0);
        const tallies: EmulatorTallies = {
          kubernetes: tallyKubernetes(k8s.requests.slice(from.k8s), request.runs),
          kubernetesConnections: k8s.connections - from.k8sConnections,
          slack: tallySlack(calls, request.runs),
          slackChannels: tallyChannels(calls, request.windowMs),
          messagesPosted: world.channels.reduce((total, channel) => total + slack.messages(channel).length, 0),
        };
        return tallies;
      }
      case 'message-lag': {
        const redis = new Redis(request.redisUrl, { maxRetriesPerRequest: 1 });
        try {
          return await measureMessageLag({ redis, prefix: request.prefix, slack, boundMs: request.boundMs, waitMs: 0 });
        } finally {
          redis.disconnect();
        }
      }
    }
  };
  process.on('message', (raw) => {
    const request = raw as EmulatorRequest;
    answer(request).then(
      (value) => send({ id: request.id, ok: true, value }),
      (err: unknown) => send({ id: request.id, ok: false, error: err instanceof Error ? (err.stack ?? err.message) : String(err) }),
    );
  });
  // The bench closing the IPC channel (or dying) ends this process: nothing here outlives it.
  process.once('disconnect', () => {
    void Promise.allSettled([slack.close(), k8s.close()]).then(() => process.exit(0));
  });
  send({ kind: 'started', addresses: { slackApiUrl: slack.apiUrl, botToken: slack.token, kubeconfigPath } });
}

process.once('message', (world) => {
  start(world as EmulatorWorld).catch((err: unknown) => {
    send({ kind: 'failed', error: err instanceof Error ? (err.stack ?? err.message) : String(err) });
    process.exit(1);
  });
});
