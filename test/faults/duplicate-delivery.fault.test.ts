import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { listButtons } from '../../sandbox/slack/index.js';
import { FAULT_CHANNEL } from './support/fault-catalog.js';
import { replyText, startFaultCluster, type FaultCluster } from './support/fault-cluster.js';
import { faultProfile, scenarioSeed } from './support/fault-profile.js';
import { recordScenario } from './support/fault-record.js';
import { clickPayload, interactionBody, post, signedHeaders, slashFields } from './support/raw-deliveries.js';
import { verifyRun, type RunVerdict } from './support/verify-run.js';

/*
 * Scenario 4: Slack delivers the same request more than once (a replayed signed POST, a redelivery marked
 * X-Slack-Retry-Num, a Socket Mode envelope retried), and fifty people click one button at the same moment.
 * Each must have exactly one effect: one run, one tick, one image patch.
 */
const GROUPS = 4;
/** What flightdeck answers a delivery it already handled (src/slack/drop-redeliveries.ts). */
const ALREADY_HANDLED = 'reached flightdeck twice';

type Outcome = { what: string; outcome: 'survived' | 'lost' | 'duplicated'; detail: string };

async function runsOf(cluster: FaultCluster, service: string, environment: string): Promise<number> {
  return (await cluster.store.history(service, environment, 100)).length;
}

async function ticksOf(cluster: FaultCluster, runId: string): Promise<number> {
  return (await cluster.store.audit(runId, 1000)).filter((entry) => entry.action === 'item.ticked').length;
}

/** Starts a staging run (one manual item first) and returns its id and the message's Done button. */
async function stagingRun(cluster: FaultCluster, service: string, version: string) {
  const reply = await cluster.deploy(`${service} ${version} to staging`);
  expect(reply.runId, reply.text).toBeDefined();
  const message = await cluster.slack.waitFor(
    (slack) => slack.messages(FAULT_CHANNEL).find((m) => m.text.includes(`Deploy ${service} ${version} to`) && listButtons(m.blocks).length > 0),
    15_000,
    `the message of ${service} ${version} with its button`,
  );
  return { runId: reply.runId!, messageTs: message.ts, button: listButtons(message.blocks)[0]! };
}

function judge(verdict: RunVerdict, runs: number, ticks?: number): 'survived' | 'lost' | 'duplicated' {
  if (runs > 1 || (ticks !== undefined && ticks > 1) || verdict.outcome === 'duplicated') return 'duplicated';
  if (runs === 0 || ticks === 0 || verdict.outcome === 'lost') return 'lost';
  return 'survived';
}

describe.each([
  { mode: 'http' as const, id: '4a' },
  { mode: 'socket' as const, id: '4b' },
])('scenario $id: duplicate deliveries over $mode and concurrent clicks', ({ mode, id }) => {
  let cluster: FaultCluster;
  const profile = faultProfile();
  const seed = scenarioSeed(profile.seed, `duplicates-${mode}`);
  const outcomes: Outcome[] = [];
  /** Records a test's outcome for the scenario's record and returns it, so the test judges its own. */
  const record = (outcome: Outcome): Outcome => {
    outcomes.push(outcome);
    return outcome;
  };
  const failures = (mine: readonly Outcome[]) => mine.filter((o) => o.outcome !== 'survived');

  beforeAll(async () => {
    cluster = await startFaultCluster({ services: GROUPS * 2 + 1, workers: 1, socketMode: mode === 'socket', readyDelayMs: 100 });
  });

  afterAll(async () => {
    const tried = outcomes.length;
    recordScenario({
      id,
      scenario: `Duplicate deliveries over ${mode === 'http' ? 'HTTP (same signed bytes twice at once, then with X-Slack-Retry-Num, then after the run ended)' : 'Socket Mode (same payload redelivered with retry_attempt)'}, and ${profile.concurrentClicks} concurrent clicks on one button`,
      unit: 'deliveries groups',
      tried,
      survived: outcomes.filter((o) => o.outcome === 'survived').length,
      lost: outcomes.filter((o) => o.outcome === 'lost').length,
      duplicated: outcomes.filter((o) => o.outcome === 'duplicated').length,
      seed,
      notes: outcomes.filter((o) => o.outcome !== 'survived').map((o) => `${o.what} ${o.outcome}: ${o.detail}`),
    });
    await cluster?.close();
  });

  /** Sends one slash-command payload `times` times as the same delivery (HTTP: same bytes; Socket Mode: retried envelope). */
  async function deliverSlashRepeatedly(fields: Record<string, string>, retryAfterEnd: () => Promise<void>) {
    if (mode === 'http') {
      const body = new URLSearchParams(fields).toString();
      const headers = signedHeaders(body);
      const first = await Promise.all([post(cluster, body, headers), post(cluster, body, headers)]);
      const retried = await post(cluster, body, signedHeaders(body, { retryNum: 1 }));
      await retryAfterEnd();
      const late = await post(cluster, body, signedHeaders(body, { retryNum: 2 }));
      return [...first, retried, late];
    }
    const deliver = (retryAttempt?: number) =>
      cluster.slack.socketMode.deliver('slash_commands', fields, retryAttempt === undefined ? {} : { retryAttempt, retryReason: 'timeout' });
    const first = await Promise.all([deliver(), deliver(1)]);
    await retryAfterEnd();
    const late = await deliver(2);
    return [...first, late].map((ack) => ({ status: 200, body: JSON.stringify(ack.payload), json: ack.payload }));
  }

  async function deliverClickRepeatedly(payload: Record<string, unknown>) {
    if (mode === 'http') {
      const body = interactionBody(payload);
      const headers = signedHeaders(body);
      const first = await Promise.all([post(cluster, body, headers), post(cluster, body, headers)]);
      return [...first, await post(cluster, body, signedHeaders(body, { retryNum: 1 }))];
    }
    const deliver = (retryAttempt?: number) =>
      cluster.slack.socketMode.deliver('interactive', payload, retryAttempt === undefined ? {} : { retryAttempt, retryReason: 'timeout' });
    const acks = await Promise.all([deliver(), deliver(1)]);
    return acks.map(() => ({ status: 200, body: '' }));
  }

  it('a repeated /deploy delivery starts one run, even when the repeat comes after the run ended', async () => {
    const mine: Outcome[] = [];
    for (let group = 0; group < GROUPS; group += 1) {
      const service = cluster.services[group]!;
      const version = `v6.0.${group}`;
      const fields = slashFields(cluster.slack, `${service} ${version} to production`);
      let firstRun: string | undefined;
      const replies = await deliverSlashRepeatedly(fields, async () => {
        firstRun = (await cluster.store.history(service, 'production', 1))[0]?.id;
        if (firstRun) await verifyRun(cluster, firstRun, service, version, { timeoutMs: 30_000 });
      });
      for (const reply of replies) expect(reply.status).toBe(200);
      // Every repeat was answered as already handled: the drop itself, not a quiet moment after a sleep,
      // says the repeats are done with before the runs are counted.
      const started = replies.filter((reply) => /Run #\d+/.test(replyText(reply))).length;
      const dropped = replies.filter((reply) => replyText(reply).includes(ALREADY_HANDLED)).length;
      const runs = await runsOf(cluster, service, 'production');
      const verdict = firstRun ? await verifyRun(cluster, firstRun, service, version) : undefined;
      const outcome = verdict && started === 1 && dropped === replies.length - 1 ? judge(verdict, runs) : runs > 1 ? 'duplicated' : 'lost';
      mine.push(
        record({
          what: `/deploy ${service} delivered ${replies.length}×`,
          outcome,
          detail: `${runs} runs, ${started} started, ${dropped} dropped; replies: ${replies.map((r) => replyText(r).slice(0, 80)).join(' / ')}${verdict ? `; ${verdict.problems.join(', ')}` : ''}`,
        }),
      );
    }
    expect(mine).toHaveLength(GROUPS);
    expect(failures(mine)).toEqual([]);
  });

  it('a repeated click delivery ticks once', async () => {
    const mine: Outcome[] = [];
    for (let group = 0; group < GROUPS; group += 1) {
      const service = cluster.services[GROUPS + group]!;
      const version = `v6.1.${group}`;
      const { runId, messageTs, button } = await stagingRun(cluster, service, version);
      await deliverClickRepeatedly(clickPayload(cluster.slack, messageTs, button));
      const verdict = await verifyRun(cluster, runId, service, version);
      // The run ended, so every delivery of the click was handled or dropped before the ticks are counted.
      const ticks = await ticksOf(cluster, runId);
      mine.push(record({ what: `click on ${service} delivered repeatedly`, outcome: judge(verdict, 1, ticks), detail: `${ticks} ticks; ${verdict.problems.join(', ')}` }));
    }
    expect(mine).toHaveLength(GROUPS);
    expect(failures(mine)).toEqual([]);
  });

  it(`${faultProfile().concurrentClicks} concurrent clicks on one button tick once`, async () => {
    const service = cluster.services[GROUPS * 2]!;
    const version = 'v6.2.0';
    const { runId, messageTs, button } = await stagingRun(cluster, service, version);
    const users = ['U0ALICE', 'U0BOB'];
    const clicks = await Promise.all(
      Array.from({ length: profile.concurrentClicks }, (_, index) =>
        cluster.driver.blockAction({ userId: users[index % 2]!, channelId: FAULT_CHANNEL, messageTs, actionId: button.actionId, blockId: button.blockId, ...(button.value ? { value: button.value } : {}) }),
      ),
    );
    const verdict = await verifyRun(cluster, runId, service, version);
    const ticks = await ticksOf(cluster, runId);
    const answered = clicks.filter((click) => click.status === 200).length;
    const mine = record({
      what: `${clicks.length} concurrent clicks on ${service}`,
      outcome: judge(verdict, 1, ticks),
      detail: `${ticks} ticks, ${answered} answered 200; ${verdict.problems.join(', ')}`,
    });
    expect(answered).toBe(clicks.length);
    expect(ticks).toBe(1);
    expect(failures([mine])).toEqual([]);
  });
});
