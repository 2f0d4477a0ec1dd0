import { mkdirSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { startKubernetesEmulator } from '../../sandbox/kubernetes/index.js';
import { startSlackEmulator, type SlackEmulator } from '../../sandbox/slack/index.js';
import { E2E_CHECKLIST } from '../../test/e2e/fixtures.js';
import { waitUntil } from '../../test/support/wait-until.js';
import { benchCatalog, channelId, serviceName } from '../bench-catalog.js';
import { startBenchRedis } from '../start-bench-redis.js';
import { describeMessageLag, measureMessageLag, messageBoundMs, type MessageLagFigures } from '../message-lag.js';
import { toAckPhase, type AckPhase } from './ack-phase.js';
import { cutProfile, profilingEnv } from './cut-profile.js';
import type { LoadPlan } from './load-plan.js';
import { profileActivity } from './profile-activity.js';
import { buttonClickBodies, slashCommandBodies } from './request-bodies.js';
import { runLoad } from './run-load.js';
import { startBareBolt } from './start-bare-bolt.js';
import { ACK_LAYOUTS, startAckDeployment, type AckDeployment, type AckLayout } from './start-ack-deployment.js';
import { watchPhase } from './watch-phase.js';
import { missingPostReport } from './missing-post-report.js';
import { measureSocketAck } from './measure-socket-ack.js';

export type { AckPhase } from './ack-phase.js';

const SIGNING_SECRET = 'bench-signing-secret';
const REQUEST_TIMEOUT_MS = 10_000;

export interface AckLatencyResult {
  rate: number;
  durationS: number;
  /** In the order they ran; for each kind of request the layouts ran back to back. */
  phases: AckPhase[];
  /** flightdeck p50 and p99 divided by the bare Bolt figure of the same kind of request. */
  ratios: { layout: AckLayout; path: string; baseline: string; p50: number; p99: number }[];
  /** Per layout: peak RSS of its processes and their exit codes on SIGTERM (web first). */
  deployments: { layout: AckLayout; peakRssMiB: { web: number | undefined; worker: number | undefined }; exitCodes: (number | null)[] }[];
  /** After the phases that change runs: how soon each run message showed its run. A phase with any message over its bound fails. */
  messageLags: AckMessageLag[];
}

/** How soon the run messages of one layout showed their runs after one phase. */
export interface AckMessageLag {
  layout: AckLayout;
  phase: string;
  figures: MessageLagFigures;
}

/** One layout's flightdeck with the requests built for it (its own channels, so its messages never mix with the other's). */
interface Target {
  deployment: AckDeployment;
  channels: string[];
  helpBodies: string[];
  createBodies: string[];
  /** Built once the run messages exist. */
  tickBodies: string[];
  repeatBodies: string[];
}

function refusalsSince(slack: SlackEmulator, from: number): { total: number; alreadyTicked: number } {
  const bodies = slack.responses.slice(from).map((response) => String(response.body.text ?? ''));
  return { total: bodies.length, alreadyTicked: bodies.filter((text) => text.includes('already ticked')).length };
}

/**
 * Item 1 of issue 7: the built flightdeck in both layouts ({@link ACK_LAYOUTS}: role `all`, and `web` with a
 * separate `worker` process) and an ack-only Bolt app, in one run, each driven at `rate` requests/s for
 * `durationS` seconds per phase, one phase at a time so they never compete for the CPU. For each kind of
 * request the layouts run back to back, so a machine shared with other work affects both alike. Phases: bare
 * command, `/deploy help`, `/deploy` creating a run (distinct service and channel per request), bare click,
 * first tick of an item of each run, a new click on each ticked item (refused as already ticked), and the
 * first-tick deliveries replayed unchanged; last, `/deploy help` to a Socket Mode process (measureSocketAck). Before the next phase starts, the workers of the previous one
 * have posted (or edited) every message, so no phase inherits another's backlog. Every process it starts is
 * stopped before it returns or throws.
 */
export async function measureAckLatency(options: {
  rate: number;
  durationS: number;
  /** Write a CPU profile of the answering flightdeck process of each phase into this folder. */
  cpuProfDir?: string | undefined;
  log: (line: string) => void;
}): Promise<AckLatencyResult> {
  const { rate, durationS, log } = options;
  const profileDir = options.cpuProfDir === undefined ? undefined : resolve(options.cpuProfDir);
  if (profileDir) mkdirSync(profileDir, { recursive: true });
  const slug = (text: string) => text.replace(/[^a-z0-9]+/gi, '-').replace(/^-|-$/g, '').toLowerCase();
  const liveProfile = (layout: AckLayout) => (profileDir ? join(profileDir, `ack-${slug(layout)}-${process.pid}.live.cpuprofile`) : undefined);
  const count = Math.max(1, Math.round(rate * durationS));
  const channelsOf = (index: number) => Array.from({ length: count }, (_, i) => channelId(index * count + i));
  const redis = await startBenchRedis();
  const slack = await startSlackEmulator({ channels: ['C0DEPLOY', ...ACK_LAYOUTS.flatMap((_, index) => channelsOf(index))] });
  const k8s = await startKubernetesEmulator();
  const cleanups: (() => Promise<unknown>)[] = [() => k8s.close(), () => slack.close(), () => redis.stop()];
  try {
    const kubeconfig = join(mkdtempSync(join(tmpdir(), 'flightdeck-bench-kube-')), 'kubeconfig');
    k8s.writeKubeconfig(kubeconfig, 'emulator');
    const helpCommands = (n: number) => Array.from({ length: n }, () => ({ text: 'help', channelId: 'C0DEPLOY' }));
    const targets: Target[] = [];
    const exitCodes = new Map<AckLayout, (number | null)[]>();
    const common = {
      slackApiUrl: slack.apiUrl,
      botToken: slack.token,
      signingSecret: SIGNING_SECRET,
      kubeconfigPath: kubeconfig,
      catalog: benchCatalog(count),
      checklists: { release: E2E_CHECKLIST },
      redisUrl: redis.url,
    };
    for (const [index, layout] of ACK_LAYOUTS.entries()) {
      const deployment = await startAckDeployment(layout, { ...common, webEnv: profileDir ? profilingEnv(liveProfile(layout)!) : undefined });
      cleanups.unshift(async () => exitCodes.set(layout, await deployment.stop()));
      const channels = channelsOf(index);
      targets.push({
        deployment,
        channels,
        // Distinct bodies everywhere: flightdeck drops a body it has seen (same trigger_id) as a Slack redelivery.
        helpBodies: slashCommandBodies(slack, helpCommands(count)),
        createBodies: slashCommandBodies(slack, channels.map((channel, i) => ({ text: `${serviceName(i)} v2.0.0 to production`, channelId: channel }))),
        tickBodies: [],
        repeatBodies: [],
      });
    }
    const bare = await startBareBolt({ signingSecret: SIGNING_SECRET, botToken: slack.token, slackApiUrl: slack.apiUrl });
    cleanups.unshift(() => bare.stop());

    const plan = (url: string, bodies: string[], expectBody?: string): LoadPlan => ({
      url,
      signingSecret: SIGNING_SECRET,
      rate,
      durationMs: durationS * 1000,
      bodies,
      timeoutMs: REQUEST_TIMEOUT_MS,
      ...(expectBody !== undefined ? { expectBody } : {}),
    });

    log(`ack latency: warming up bare Bolt and flightdeck in layouts ${ACK_LAYOUTS.join(', ')} with /deploy help (not counted)`);
    const warmUpMs = Math.min(3000, durationS * 1000);
    const warmUpBodies = () => slashCommandBodies(slack, helpCommands(Math.ceil((rate * warmUpMs) / 1000)));
    for (const url of [bare.eventsUrl, ...targets.map((t) => t.deployment.eventsUrl)]) await runLoad({ ...plan(url, warmUpBodies()), durationMs: warmUpMs });

    const phases: AckPhase[] = [];
    const messageLags: AckMessageLag[] = [];
    const measureBare = async (path: string, detail: string, bodies: string[]) => {
      log(`ack latency: bare Bolt ${path} at ${rate}/s for ${durationS} s`);
      const window = await watchPhase({ webPid: bare.child.pid, redisPid: redis.pid });
      const result = await runLoad(plan(bare.eventsUrl, bodies));
      phases.push(toAckPhase({ app: 'bare Bolt', layout: undefined, path, detail }, result, 'HTTP 200 with an empty ack', await window.close()));
    };
    const measure = async (target: Target, path: string, detail: string, loadPlan: LoadPlan, check: () => string) => {
      const { deployment } = target;
      log(`ack latency: flightdeck (${deployment.layout}) ${path} at ${rate}/s for ${durationS} s`);
      const pid = deployment.web.child.pid;
      const live = liveProfile(deployment.layout);
      if (live && pid !== undefined) await cutProfile(pid, live);
      const window = await watchPhase({ webPid: pid, workerPid: deployment.workerPid(), redisPid: redis.pid, metricsUrl: `${deployment.web.url}/metrics` });
      const result = await runLoad(loadPlan);
      // Refusals reach the response URL after the ack; give the last ones a moment to land before counting.
      await new Promise((settle) => setTimeout(settle, 1000));
      const figures = await window.close();
      const profilePath = live && pid !== undefined ? await cutProfile(pid, live, join(profileDir!, `ack-${slug(deployment.layout)}-${slug(path)}-${Date.now()}.cpuprofile`)) : undefined;
      const profile = profilePath ? { path: profilePath, activity: profileActivity(profilePath) } : undefined;
      phases.push({ ...toAckPhase({ app: 'flightdeck', layout: deployment.layout, path, detail }, result, check(), figures), profile });
    };

    await measureBare('slash command', 'the same /deploy bodies as below; the listener only acks', targets[0]!.createBodies);
    for (const target of targets) {
      await measure(target, '/deploy help', 'parse and answer usage; one Redis write (the delivery claim)', plan(target.deployment.eventsUrl, target.helpBodies, 'runs your deployment checklist'), () => 'every answer is the usage text');
    }
    for (const target of targets) {
      await measure(
        target,
        '/deploy (creates a run)',
        `${count} distinct services, one channel each: catalog lookup, lock + run + audit in one Redis script, enqueue`,
        plan(target.deployment.eventsUrl, target.createBodies, 'Run #\\d+: deploying'),
        () => 'every answer is "Run #n: deploying …"',
      );
      log(`ack latency: waiting for the ${count} run messages of layout ${target.deployment.layout} to be posted`);
      const messages = await waitUntil(
        'every run message to be posted',
        () => {
          const found = target.channels.map((channel) => ({ channelId: channel, messageTs: slack.messages(channel)[0]?.ts ?? '' }));
          return found.every((message) => message.messageTs !== '') ? found : undefined;
        },
        Math.max(60_000, count * 20),
      ).catch(async (err: unknown) => {
        const missing = target.channels.filter((channel) => slack.messages(channel).length === 0);
        throw new Error(`${(err as Error).message} (${count - missing.length} of ${count} posted)\n${await missingPostReport(target.deployment, slack, redis.url, missing)}`);
      });
      const created = await measureMessageLag({ redis: redis.client, prefix: target.deployment.web.redisPrefix, slack, boundMs: messageBoundMs(1), waitMs: Math.max(60_000, count * 10) });
      log(`ack latency: ${target.deployment.layout} new runs: ${describeMessageLag(created)}`);
      messageLags.push({ layout: target.deployment.layout, phase: '/deploy (creates a run)', figures: created });
      target.tickBodies = buttonClickBodies(slack, messages, 'item.tick.ci-green');
      // Built now, from the messages as they are before the ticks: a person clicking a button on a stale message.
      target.repeatBodies = buttonClickBodies(slack, messages, 'item.tick.ci-green');
    }
    await measureBare('button click', 'the same block_actions bodies as below; the listener only acks', targets[0]!.tickBodies);
    for (const target of targets) {
      const beforeTicks = slack.responses.length;
      await measure(
        target,
        'button click (first tick)',
        `"Done: CI is green" on ${count} different runs: read, transition, compare-and-set write (which queues the render)`,
        plan(target.deployment.eventsUrl, target.tickBodies),
        () => `${refusalsSince(slack, beforeTicks).total} of ${count} clicks refused`,
      );
      log(`ack latency: waiting for the ticked messages of layout ${target.deployment.layout} to show their runs`);
      // Every run has a channel of its own: one turn of the channel's pace in the bound.
      const lag = await measureMessageLag({ redis: redis.client, prefix: target.deployment.web.redisPrefix, slack, boundMs: messageBoundMs(1), waitMs: Math.max(60_000, count * 10) });
      log(`ack latency: ${target.deployment.layout} first ticks: ${describeMessageLag(lag)}`);
      messageLags.push({ layout: target.deployment.layout, phase: 'button click (first tick)', figures: lag });
    }
    for (const target of targets) {
      const beforeRepeats = slack.responses.length;
      await measure(
        target,
        'button click (repeated, refused)',
        'a new click (fresh trigger id) on each item already ticked: read, transition refuses, ack; the refusal goes to the response URL',
        plan(target.deployment.eventsUrl, target.repeatBodies),
        () => {
          const refused = refusalsSince(slack, beforeRepeats);
          return `${refused.alreadyTicked} of ${count} answered "already ticked" via the response URL (${refused.total} replies)`;
        },
      );
    }
    for (const target of targets) {
      const beforeReplays = slack.responses.length;
      await measure(target, 'button click (same delivery replayed)', 'the first-tick bodies sent again unchanged, as a Slack redelivery would be', plan(target.deployment.eventsUrl, target.tickBodies), () => {
        const refused = refusalsSince(slack, beforeReplays);
        return `${refused.total} replies to response URLs (${refused.alreadyTicked} "already ticked"); none means each was dropped as a redelivery`;
      });
    }

    phases.push(await measureSocketAck({ slack, common, redisPid: redis.pid, rate, durationS, timeoutMs: REQUEST_TIMEOUT_MS, log }));

    const peaks = targets.map((t) => ({ layout: t.deployment.layout, peakRssMiB: t.deployment.peakRssMiB() }));
    const ratios = ACK_LAYOUTS.flatMap((layout) =>
      phases
        .filter((p) => p.layout === layout)
        .map((p) => {
          const baseline = p.path.startsWith('button click') ? 'button click' : 'slash command';
          const base = phases.find((b) => b.app === 'bare Bolt' && b.path === baseline)!.stats;
          return { layout, path: p.path, baseline, p50: p.stats.p50 / base.p50, p99: p.stats.p99 / base.p99 };
        }),
    );
    for (const cleanup of cleanups.splice(0, targets.length + 1)) await cleanup();
    const deployments = peaks.map((peak) => ({ ...peak, exitCodes: exitCodes.get(peak.layout) ?? [] }));
    return { rate, durationS, phases, ratios, deployments, messageLags };
  } finally {
    for (const cleanup of cleanups) await cleanup().catch((err: unknown) => log(`cleanup failed: ${String(err)}`));
  }
}
