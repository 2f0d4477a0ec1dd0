import { SlackDriver, type SlackEmulator } from '../../sandbox/slack/index.js';
import { toAckPhase, type AckPhase } from './ack-phase.js';
import type { LoadResult } from './load-plan.js';
import { startAckDeployment } from './start-ack-deployment.js';
import { watchPhase } from './watch-phase.js';

const USAGE = /runs your deployment checklist/;

/**
 * Ack latency in Socket Mode: flightdeck as built in layout `all` with `SLACK_APP_TOKEN`, sent `/deploy help`
 * envelopes over its WebSocket at `rate` per second for `durationS` s, open loop (envelope i is due at
 * start + i / rate whether or not earlier ones were acked). Each latency runs from the envelope's due time to
 * its ack reaching the emulator, as Slack would time it. The emulator delivers from this process, so at high
 * rates its own event loop is part of the figure; the HTTP phases' driver runs apart. The process is stopped
 * before this returns or throws.
 */
export async function measureSocketAck(options: {
  slack: SlackEmulator;
  common: Parameters<typeof startAckDeployment>[1];
  /** The bench's Redis server, for its CPU time. */
  redisPid: number | undefined;
  rate: number;
  durationS: number;
  timeoutMs: number;
  log: (line: string) => void;
}): Promise<AckPhase> {
  const { slack, rate, durationS, timeoutMs, log } = options;
  const deployment = await startAckDeployment('all', { ...options.common, webEnv: { ...options.common.webEnv, SLACK_APP_TOKEN: slack.appToken } });
  try {
    await slack.socketMode.waitForConnection(10_000);
    const driver = new SlackDriver({ mode: 'socket', emulator: slack, ackTimeoutMs: timeoutMs });
    const send = () => driver.slashCommand({ command: '/deploy', text: 'help', channelId: 'C0DEPLOY' });
    log(`ack latency: warming up flightdeck (all, Socket Mode) with /deploy help (not counted)`);
    for (let i = 0; i < Math.min(50, rate); i += 1) await send();
    log(`ack latency: flightdeck (all, Socket Mode) /deploy help at ${rate}/s for ${durationS} s`);
    const window = await watchPhase({ webPid: deployment.web.child.pid, workerPid: deployment.workerPid(), redisPid: options.redisPid, metricsUrl: `${deployment.web.url}/metrics` });
    const result = await openLoop(send, rate, durationS * 1000);
    return toAckPhase(
      { app: 'flightdeck', layout: 'all', path: '/deploy help (Socket Mode)', detail: 'the HTTP phase of the same name over the WebSocket: envelope out, ack back' },
      result,
      'every ack carries the usage text',
      await window.close(),
    );
  } finally {
    await deployment.stop();
  }
}

async function openLoop(send: () => Promise<{ body: string }>, rate: number, durationMs: number): Promise<LoadResult> {
  const count = Math.max(1, Math.round((rate * durationMs) / 1000));
  const result: LoadResult = { sent: 0, latenciesMs: [], dueAtMs: [], errors: {}, unexpected: 0, unexpectedExamples: [], maxSendLagMs: 0, elapsedMs: 0 };
  const start = performance.now();
  const inFlight: Promise<void>[] = [];
  for (let i = 0; i < count; i += 1) {
    const due = start + (i * 1000) / rate;
    // A timer may fire a little before its time (libuv's clock is read once per loop turn): an envelope sent before
    // its due time would count less than its latency, even below zero, so the loop waits until the time has come.
    for (let wait = due - performance.now(); wait > 0; wait = due - performance.now()) await new Promise((resolve) => setTimeout(resolve, wait));
    result.maxSendLagMs = Math.max(result.maxSendLagMs, performance.now() - due);
    result.sent += 1;
    inFlight.push(
      send().then(
        (answer) => {
          result.latenciesMs.push(performance.now() - due);
          result.dueAtMs.push(due - start);
          if (USAGE.test(answer.body)) return;
          result.unexpected += 1;
          if (result.unexpectedExamples.length < 3) result.unexpectedExamples.push(answer.body.slice(0, 200));
        },
        (err: unknown) => {
          const kind = /timed? ?out|within/i.test(String(err)) ? 'timeout' : 'error';
          result.errors[kind] = (result.errors[kind] ?? 0) + 1;
        },
      ),
    );
  }
  await Promise.all(inFlight);
  result.elapsedMs = performance.now() - start;
  return result;
}
