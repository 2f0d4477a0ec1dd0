import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { toUserText } from '../../src/errors/user-text.js';
import { FAULT_CHANNEL } from './support/fault-catalog.js';
import { replyText, startFaultCluster, type FaultCluster } from './support/fault-cluster.js';
import { faultProfile, scenarioSeed } from './support/fault-profile.js';
import { recordScenario } from './support/fault-record.js';
import { discoverInteractionIds, subcommandsIn } from './support/discover-interactions.js';
import { generateFuzzInputs, MARKUP_INJECTIONS, type FuzzInput } from './support/fuzz-inputs.js';
import { post, signedHeaders, slashFields } from './support/raw-deliveries.js';
import { seededRandom } from './support/seeded-random.js';
import { sleep } from './support/sleep.js';
import { waitUntil } from '../support/wait-until.js';

/*
 * Scenario 5: seeded garbage at the Slack edge — random, oversized, injection-shaped, unicode and control
 * characters, wrong types in payload JSON. Every delivery must be answered (200 with a message a person can
 * act on; a 4xx is fine for an envelope Slack would never send), the process must stay up, and nothing may
 * reach the cluster or start a run.
 */
const INTERNAL = toUserText(new Error('x')).split(' (')[0]!.slice(0, 40);
const PARALLEL = 16;

interface Answer {
  input: FuzzInput;
  status: number;
  text: string;
  problem?: string;
}

async function countRuns(cluster: FaultCluster): Promise<number> {
  let cursor = '0';
  let runs = 0;
  do {
    const [next, keys] = await cluster.redis.scan(cursor, 'MATCH', `{${cluster.prefix}}:run:*`, 'COUNT', 1000);
    cursor = next;
    runs += keys.length;
  } while (cursor !== '0');
  return runs;
}

describe('scenario 5: generated slash commands and interaction payloads', () => {
  let cluster: FaultCluster;
  const profile = faultProfile();
  const seed = scenarioSeed(profile.seed, 'fuzz');

  beforeAll(async () => {
    cluster = await startFaultCluster({ services: 3, workers: 0 });
  });

  afterAll(async () => {
    await cluster?.close();
  });

  it('answers every one helpfully, never crashes, never calls the cluster, starts no run', async () => {
    const help = await cluster.deploy('help');
    const subcommands = subcommandsIn(help.text);
    const interactionIds = discoverInteractionIds();
    const random = seededRandom(seed);
    const inputs = generateFuzzInputs(random, profile.fuzzInputs, {
      services: cluster.services,
      subcommands,
      interactionIds,
      slashFields: (text) => slashFields(cluster.slack, text, random.chance(0.5) ? 'U0ALICE' : 'U0BOB'),
      responseUrl: () => cluster.slack.responseUrl({ channelId: FAULT_CHANNEL, userId: 'U0ALICE' }),
    });
    const answers: Answer[] = [];
    const crashers: FuzzInput[] = [];
    // Dead means exited, or no longer answering /healthz (the exit may not have been observed yet).
    const processDied = async () => {
      const healthy = await fetch(`${cluster.web.url}/healthz`).then((r) => r.ok).catch(() => false);
      if (healthy) return false;
      await waitUntil('the process to exit', () => (cluster.web.child.exitCode !== null || cluster.web.child.signalCode !== null ? true : undefined), 5000).catch(() => undefined);
      return true;
    };
    for (let start = 0; start < inputs.length; start += PARALLEL) {
      const batch = inputs.slice(start, start + PARALLEL);
      const results = await Promise.all(batch.map((input) => deliver(cluster, input)));
      if (!results.some((r) => r.problem?.startsWith('request failed')) && !(await processDied())) {
        answers.push(...results);
        continue;
      }
      // A delivery killed the process: find which by replaying the batch one at a time, restarting after each death.
      await cluster.restartWeb();
      for (const input of batch) {
        const answer = await deliver(cluster, input);
        if (await processDied()) {
          crashers.push(input);
          answers.push({ ...answer, problem: 'crashed the process' });
          await cluster.restartWeb();
        } else answers.push(answer);
      }
    }
    // Refusals of clicks travel to the response URL after the ack; give the last ones a moment to land.
    await sleep(1000);
    const internalReplies = cluster.slack.responses.filter((response) => JSON.stringify(response.body).includes(INTERNAL));
    // Whatever flightdeck echoes of an input, Slack must show it as typed: no injected mention or link, in any reply.
    const shownTexts = [...answers.map((answer) => answer.text), ...cluster.slack.responses.map((response) => JSON.stringify(response.body))];
    const injected = inputs.filter((input) => input.kind === 'slash' && MARKUP_INJECTIONS.some((markup) => Object.values(input.fields).some((field) => field.includes(markup)))).length;
    const rendered = MARKUP_INJECTIONS.filter((markup) => shownTexts.some((text) => text.includes(markup) || text.includes(JSON.stringify(markup).slice(1, -1))));
    const failures = answers.filter((answer) => answer.problem !== undefined);
    const runs = await countRuns(cluster);
    const clusterCalls = cluster.k8s.requests.length;
    const posts = cluster.slack.calls.filter((call) => call.method === 'chat.postMessage').length;
    const alive = (await fetch(`${cluster.web.url}/healthz`).catch(() => undefined))?.ok === true;
    const byLabel = new Map<string, number>();
    for (const failure of failures) byLabel.set(`${failure.input.kind} ${failure.input.label}: ${failure.problem}`, (byLabel.get(`${failure.input.kind} ${failure.input.label}: ${failure.problem}`) ?? 0) + 1);
    recordScenario({
      id: '5',
      scenario: `Generated /deploy texts and interaction payloads (random, 10 kB, injection-shaped, unicode, control characters, wrong JSON types; ${subcommands.length} subcommands and ${interactionIds.length} interaction ids discovered)`,
      unit: 'deliveries',
      tried: inputs.length,
      survived: inputs.length - failures.length,
      lost: failures.length,
      duplicated: runs,
      seed,
      notes: [
        `${answers.filter((a) => a.status === 200).length}× 200, ${answers.filter((a) => a.status >= 400 && a.status < 500).length}× 4xx, ${answers.filter((a) => a.status >= 500 || a.status === 0).length}× 5xx/unanswered`,
        `${injected} slash commands carried Slack markup; rendered back unescaped: ${rendered.length} of ${MARKUP_INJECTIONS.length} kinds`,
        `runs created ${runs}, Kubernetes requests ${clusterCalls}, chat.postMessage ${posts}, internal-error replies via response_url ${internalReplies.length}, process crashes ${crashers.length}${crashers.length > 0 ? ` (bodies: ${[...new Set(crashers.map((c) => (c.kind === 'interaction' ? c.body : 'slash').slice(0, 60)))].join(', ')})` : ''}`,
        ...[...byLabel].map(([what, n]) => `${n}× ${what}`),
      ],
    });
    if (failures.length > 0) console.log(cluster.output().split('\n').filter((line) => /"level":(40|50|60)|Error|error/.test(line)).slice(0, 60).join('\n'));
    // Effects first: garbage must never reach the cluster or start anything.
    expect(clusterCalls).toBe(0);
    expect(runs).toBe(0);
    expect(posts).toBe(0);
    expect(alive).toBe(true);
    expect(crashers.map((c) => c.label)).toEqual([]);
    expect(internalReplies.map((r) => r.body)).toEqual([]);
    expect(injected).toBeGreaterThan(0);
    expect(rendered).toEqual([]);
    expect([...byLabel]).toEqual([]);
  });
});

async function deliver(cluster: FaultCluster, input: FuzzInput): Promise<Answer> {
  const body = input.kind === 'slash' ? new URLSearchParams(input.fields).toString() : input.body;
  let status = 0;
  let text = '';
  try {
    const response = await Promise.race([
      post(cluster, body, signedHeaders(body)),
      sleep(10_000).then(() => undefined),
    ]);
    if (!response) return { input, status: 0, text: '', problem: 'no answer within 10 s' };
    status = response.status;
    text = replyText(response);
  } catch (err) {
    return { input, status: 0, text: '', problem: `request failed: ${String(err)}` };
  }
  if (status >= 500) return { input, status, text, problem: `answered ${status}` };
  if (status !== 200 && !(input.malformed && status >= 400 && status < 500)) return { input, status, text, problem: `answered ${status}` };
  if (input.kind === 'slash' && status === 200) {
    let shown = text;
    if (shown === '' && input.fields.response_url) {
      // A command may ack empty and answer through its response URL.
      const url = input.fields.response_url;
      await sleep(500);
      shown = cluster.slack.responses.filter((r) => r.url === url).map((r) => String(r.body.text ?? '')).join('\n');
    }
    if (shown.includes(INTERNAL)) return { input, status, text: shown, problem: 'internal error instead of a message' };
    if (!input.malformed && shown.trim() === '') return { input, status, text: shown, problem: 'empty reply' };
    if (shown.length > 4000) return { input, status, text: shown, problem: `reply of ${shown.length} characters` };
  }
  return { input, status, text };
}
