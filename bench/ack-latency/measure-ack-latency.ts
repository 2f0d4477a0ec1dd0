import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startKubernetesEmulator } from '../../test/emulators/kubernetes/index.js';
import { startSlackEmulator, type SlackEmulator } from '../../test/emulators/slack/index.js';
import { E2E_CHECKLIST } from '../../test/e2e/fixtures.js';
import { startFlightdeckProcess } from '../../test/support/flightdeck-process.js';
import { waitUntil } from '../../test/support/wait-until.js';
import { benchCatalog, channelId, serviceName } from '../bench-catalog.js';
import { latencyStats, type LatencyStats } from '../latency-stats.js';
import { processMemory } from '../process-memory.js';
import { startBenchRedis } from '../start-bench-redis.js';
import type { LoadPlan, LoadResult } from './load-plan.js';
import { buttonClickBodies, slashCommandBodies } from './request-bodies.js';
import { runLoad } from './run-load.js';
import { startBareBolt } from './start-bare-bolt.js';

const SIGNING_SECRET = 'bench-signing-secret';
const REQUEST_TIMEOUT_MS = 10_000;
/** Slack gives up on an ack after 3 s. */
const SLACK_DEADLINE_MS = 3000;

/** One measured phase: one request path against one app. */
export interface AckPhase {
  app: 'flightdeck' | 'bare Bolt';
  path: string;
  /** What the requests were and what answered them. */
  detail: string;
  stats: LatencyStats;
  sent: number;
  errors: number;
  errorKinds: Record<string, number>;
  unexpected: number;
  overSlackDeadline: number;
  maxSendLagMs: number;
  /** What the phase verified after the fact (e.g. refusals seen by Slack). */
  check: string;
}

export interface AckLatencyResult {
  rate: number;
  durationS: number;
  phases: AckPhase[];
  /** flightdeck p50 and p99 divided by the bare Bolt figure of the same kind of request. */
  ratios: { path: string; baseline: string; p50: number; p99: number }[];
  flightdeckPeakRssMiB: number | undefined;
  flightdeckExitCode: number | null;
}

function phase(app: AckPhase['app'], path: string, detail: string, result: LoadResult, check: string): AckPhase {
  const errors = Object.values(result.errors).reduce((total, count) => total + count, 0);
  return {
    app,
    path,
    detail,
    stats: latencyStats(result.latenciesMs),
    sent: result.sent,
    errors,
    errorKinds: result.errors,
    unexpected: result.unexpected,
    overSlackDeadline: result.latenciesMs.filter((ms) => ms > SLACK_DEADLINE_MS).length,
    maxSendLagMs: result.maxSendLagMs,
    check: result.unexpectedExamples.length > 0 ? `${check}; unexpected answers e.g. ${JSON.stringify(result.unexpectedExamples[0])}` : check,
  };
}

function refusalsSince(slack: SlackEmulator, from: number): { total: number; alreadyTicked: number } {
  const bodies = slack.responses.slice(from).map((response) => String(response.body.text ?? ''));
  return { total: bodies.length, alreadyTicked: bodies.filter((text) => text.includes('already ticked')).length };
}

/**
 * Item 1 of issue 7: the built flightdeck and an ack-only Bolt app, in one run, each driven at `rate`
 * requests/s for `durationS` seconds per phase, one phase at a time so they never compete for the CPU.
 * Phases: bare command, flightdeck `/deploy help`, flightdeck `/deploy` creating a run (distinct service
 * and channel per request), bare click, flightdeck first tick of an item of each run, a new click on each
 * ticked item (refused as already ticked), and the first-tick deliveries replayed unchanged. Every process
 * it starts is stopped before it returns or throws.
 */
export async function measureAckLatency(options: { rate: number; durationS: number; log: (line: string) => void }): Promise<AckLatencyResult> {
  const { rate, durationS, log } = options;
  const count = Math.max(1, Math.round(rate * durationS));
  const channels = Array.from({ length: count }, (_, i) => channelId(i));
  const redis = await startBenchRedis();
  const slack = await startSlackEmulator({ channels: ['C0DEPLOY', ...channels] });
  const k8s = await startKubernetesEmulator();
  const cleanups: (() => Promise<unknown>)[] = [() => k8s.close(), () => slack.close(), () => redis.stop()];
  try {
    const kubeconfig = join(mkdtempSync(join(tmpdir(), 'flightdeck-bench-kube-')), 'kubeconfig');
    k8s.writeKubeconfig(kubeconfig, 'emulator');
    const flightdeck = await startFlightdeckProcess({
      slackApiUrl: slack.apiUrl,
      botToken: slack.token,
      signingSecret: SIGNING_SECRET,
      kubeconfigPath: kubeconfig,
      catalog: benchCatalog(count),
      checklists: { release: E2E_CHECKLIST },
      env: { REDIS_URL: redis.url, LOG_LEVEL: 'info' },
    });
    let flightdeckExitCode: number | null = null;
    cleanups.unshift(async () => (flightdeckExitCode = await flightdeck.stop()));
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
    // Distinct bodies everywhere: flightdeck drops a body it has seen (same trigger_id) as a Slack redelivery.
    const helpCommands = (n: number) => Array.from({ length: n }, () => ({ text: 'help', channelId: 'C0DEPLOY' }));
    const helpBodies = slashCommandBodies(slack, helpCommands(count));
    const createBodies = slashCommandBodies(slack, channels.map((channel, i) => ({ text: `${serviceName(i)} v2.0.0 to production`, channelId: channel })));

    log('ack latency: warming both apps up with /deploy help (not counted)');
    const warmUpMs = Math.min(3000, durationS * 1000);
    const warmUpBodies = () => slashCommandBodies(slack, helpCommands(Math.ceil((rate * warmUpMs) / 1000)));
    await runLoad({ ...plan(bare.eventsUrl, warmUpBodies()), durationMs: warmUpMs });
    await runLoad({ ...plan(flightdeck.eventsUrl, warmUpBodies()), durationMs: warmUpMs });

    const phases: AckPhase[] = [];
    const measure = async (app: AckPhase['app'], path: string, detail: string, loadPlan: LoadPlan, check: () => string) => {
      log(`ack latency: ${app} ${path} at ${rate}/s for ${durationS} s`);
      const result = await runLoad(loadPlan);
      // Refusals reach the response URL after the ack; give the last ones a moment to land before counting.
      await new Promise((settle) => setTimeout(settle, 1000));
      phases.push(phase(app, path, detail, result, check()));
    };
    await measure('bare Bolt', 'slash command', 'the same /deploy bodies as below; the listener only acks', plan(bare.eventsUrl, createBodies), () => 'HTTP 200 with an empty ack');
    await measure('flightdeck', '/deploy help', 'parse and answer usage; no Redis', plan(flightdeck.eventsUrl, helpBodies, 'runs your deployment checklist'), () => 'every answer is the usage text');
    await measure(
      'flightdeck',
      '/deploy (creates a run)',
      `${count} distinct services, one channel each: catalog lookup, lock + run + audit in one Redis script, enqueue`,
      plan(flightdeck.eventsUrl, createBodies, 'Run #\\d+: deploying'),
      () => 'every answer is "Run #n: deploying …"',
    );

    log(`ack latency: waiting for the ${count} run messages to be posted`);
    const messages = await waitUntil(
      'every run message to be posted',
      () => {
        const found = channels.map((channel) => ({ channelId: channel, messageTs: slack.messages(channel)[0]?.ts ?? '' }));
        return found.every((message) => message.messageTs !== '') ? found : undefined;
      },
      Math.max(60_000, count * 20),
    );
    const tickBodies = buttonClickBodies(slack, messages, 'item.tick.ci-green');
    // Built now, from the messages as they are before the ticks: a person clicking a button on a stale message.
    const repeatBodies = buttonClickBodies(slack, messages, 'item.tick.ci-green');
    await measure('bare Bolt', 'button click', 'the same block_actions bodies as below; the listener only acks', plan(bare.eventsUrl, tickBodies), () => 'HTTP 200 with an empty ack');
    const beforeTicks = slack.responses.length;
    const updatesBefore = slack.calls.filter((call) => call.method === 'chat.update').length;
    await measure(
      'flightdeck',
      'button click (first tick)',
      `"Done: CI is green" on ${count} different runs: read, transition, compare-and-set write, enqueue render`,
      plan(flightdeck.eventsUrl, tickBodies),
      () => {
        const refused = refusalsSince(slack, beforeTicks);
        return `${refused.total} of ${count} clicks refused`;
      },
    );
    log('ack latency: waiting for the ticked messages to be edited');
    const updatesSince = () => slack.calls.filter((call) => call.method === 'chat.update').length - updatesBefore;
    await waitUntil('the ticks to reach Slack', () => (updatesSince() >= count ? true : undefined), Math.max(60_000, count * 10)).catch(() =>
      log(`ack latency: ${updatesSince()} of ${count} ticked messages edited in time; measuring the repeated click anyway`),
    );
    const beforeRepeats = slack.responses.length;
    await measure(
      'flightdeck',
      'button click (repeated, refused)',
      'a new click (fresh trigger id) on each item already ticked: read, transition refuses, ack; the refusal goes to the response URL',
      plan(flightdeck.eventsUrl, repeatBodies),
      () => {
        const refused = refusalsSince(slack, beforeRepeats);
        return `${refused.alreadyTicked} of ${count} answered "already ticked" via the response URL (${refused.total} replies)`;
      },
    );
    const beforeReplays = slack.responses.length;
    await measure(
      'flightdeck',
      'button click (same delivery replayed)',
      'the first-tick bodies sent again unchanged, as a Slack redelivery would be',
      plan(flightdeck.eventsUrl, tickBodies),
      () => {
        const refused = refusalsSince(slack, beforeReplays);
        return `${refused.total} replies to response URLs (${refused.alreadyTicked} "already ticked"); none means each was dropped as a redelivery`;
      },
    );

    const flightdeckPeakRssMiB = flightdeck.child.pid === undefined ? undefined : processMemory(flightdeck.child.pid)?.peakRssMiB;
    const find = (app: AckPhase['app'], path: string) => phases.find((p) => p.app === app && p.path === path) as AckPhase;
    const ratio = (path: string, baseline: string) => {
      const fd = find('flightdeck', path).stats;
      const base = find('bare Bolt', baseline).stats;
      return { path, baseline, p50: fd.p50 / base.p50, p99: fd.p99 / base.p99 };
    };
    const ratios = [
      ratio('/deploy help', 'slash command'),
      ratio('/deploy (creates a run)', 'slash command'),
      ratio('button click (first tick)', 'button click'),
      ratio('button click (repeated, refused)', 'button click'),
      ratio('button click (same delivery replayed)', 'button click'),
    ];
    for (const cleanup of cleanups.splice(0, 2)) await cleanup();
    return { rate, durationS, phases, ratios, flightdeckPeakRssMiB, flightdeckExitCode };
  } finally {
    for (const cleanup of cleanups) await cleanup().catch((err: unknown) => log(`cleanup failed: ${String(err)}`));
  }
}
