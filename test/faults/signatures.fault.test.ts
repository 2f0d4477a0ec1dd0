import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFaultCluster, type FaultCluster } from './support/fault-cluster.js';
import { faultProfile, scenarioSeed } from './support/fault-profile.js';
import { recordScenario } from './support/fault-record.js';
import { interactionBody, post, signedHeaders, slashFields } from './support/raw-deliveries.js';
import { seededRandom } from './support/seeded-random.js';
import { signSlackRequest } from '../../sandbox/slack/index.js';

/*
 * Scenario 6: requests that did not come from Slack. Each carries a command or click that would act if it
 * were believed; each must be answered 401 and change nothing: no run, no Slack call, no cluster call. A
 * correctly signed control request at the end proves the same body would have acted.
 */
type Forgery = { kind: string; headers: (body: string) => Record<string, string> };

const now = () => Math.floor(Date.now() / 1000);
const FORGERIES: Forgery[] = [
  { kind: 'signed with the wrong secret', headers: (body) => signedHeaders(body, { secret: 'not-the-secret' }) },
  { kind: 'stale timestamp (6 min old, correctly signed)', headers: (body) => signedHeaders(body, { timestampSeconds: now() - 360 }) },
  {
    kind: 'no signature header',
    headers: (body) => {
      const { 'x-slack-signature': _omitted, ...rest } = signedHeaders(body);
      return rest;
    },
  },
  {
    kind: 'no timestamp header',
    headers: (body) => {
      const { 'x-slack-request-timestamp': _omitted, ...rest } = signedHeaders(body);
      return rest;
    },
  },
  { kind: 'no Slack headers at all', headers: () => ({ 'content-type': 'application/x-www-form-urlencoded' }) },
  {
    kind: 'signature of a different body',
    headers: (body) => ({ ...signedHeaders(body), ...signSlackRequest('faults-signing-secret', `${body}&x=1`) }),
  },
  { kind: 'malformed signature', headers: (body) => ({ ...signedHeaders(body), 'x-slack-signature': 'v1=deadbeef' }) },
];

describe('scenario 6: forged, stale and missing signatures', () => {
  let cluster: FaultCluster;
  const profile = faultProfile();
  const seed = scenarioSeed(profile.seed, 'signatures');

  beforeAll(async () => {
    cluster = await startFaultCluster({ services: 2, workers: 0 });
  });

  afterAll(async () => {
    await cluster?.close();
  });

  it('answers 401 and executes nothing', async () => {
    const random = seededRandom(seed);
    const [service] = cluster.services as [string];
    const bodies = {
      '/deploy': (i: number) => new URLSearchParams(slashFields(cluster.slack, `${service} v7.0.${i}`)).toString(),
      click: (i: number) =>
        interactionBody({ type: 'block_actions', user: { id: 'U0ALICE' }, trigger_id: `t${i}`, actions: [{ action_id: 'run.abort', value: '1' }], response_url: cluster.slack.responseUrl() }),
    };
    type BodyKind = keyof typeof bodies;
    // Every kind of forgery on both kinds of body, in every profile; a larger profile adds seeded random ones.
    const cases: Array<{ forgery: Forgery; bodyKind: BodyKind }> = FORGERIES.flatMap((forgery) => (['/deploy', 'click'] as const).map((bodyKind) => ({ forgery, bodyKind })));
    while (cases.length < profile.signatureCases) cases.push({ forgery: random.pick(FORGERIES), bodyKind: random.chance(0.6) ? '/deploy' : 'click' });
    const tried: Array<{ kind: string; body: BodyKind; status: number }> = [];
    for (const [i, { forgery, bodyKind }] of cases.entries()) {
      const body = bodies[bodyKind](i);
      const response = await post(cluster, body, forgery.headers(body));
      tried.push({ kind: forgery.kind, body: bodyKind, status: response.status });
    }
    expect(new Set(tried.map((t) => `${t.kind} on ${t.body}`)).size).toBe(FORGERIES.length * 2);
    const runsBefore = (await cluster.store.history(service, 'production', 100)).length;
    const slackCalls = cluster.slack.calls.filter((call) => call.method !== 'auth.test').length;
    const responses = cluster.slack.responses.length;
    const clusterCalls = cluster.k8s.requests.length;
    const rejected = tried.filter((t) => t.status === 401).length;

    const control = await cluster.deploy(`${cluster.services[1]!} v7.1.0`);
    const controlRan = control.runId !== undefined;

    const wrong = tried.filter((t) => t.status !== 401);
    recordScenario({
      id: '6',
      scenario: `Forged, stale, missing and mismatched signatures (${FORGERIES.length} kinds) on /deploy and click bodies`,
      unit: 'requests',
      tried: tried.length,
      survived: rejected,
      lost: wrong.length,
      duplicated: runsBefore,
      seed,
      notes: [
        `${rejected}× 401; runs created ${runsBefore}, Slack API calls ${slackCalls}, response_url posts ${responses}, Kubernetes requests ${clusterCalls}`,
        `control request correctly signed started a run: ${controlRan}`,
        ...wrong.map((w) => `${w.kind} on ${w.body} answered ${w.status}`),
      ],
    });
    expect(wrong).toEqual([]);
    expect(runsBefore).toBe(0);
    expect(slackCalls).toBe(0);
    expect(responses).toBe(0);
    expect(clusterCalls).toBe(0);
    expect(controlRan).toBe(true);
  });

  // Bolt 5.1 refuses only timestamps more than five minutes old; flightdeck's request guard refuses them both
  // ways, as Slack's verification guide does (RELIABILITY.md finding 6).
  it('6b: refuses a correctly signed request dated 6 minutes ahead and starts nothing', async () => {
    const service = cluster.services[0]!;
    const body = new URLSearchParams(slashFields(cluster.slack, `${service} v7.2.0`)).toString();
    const response = await post(cluster, body, signedHeaders(body, { timestampSeconds: now() + 360 }));
    const runs = (await cluster.store.history(service, 'production', 100)).length;
    recordScenario({
      id: '6b',
      scenario: 'Correctly signed request with a timestamp 6 minutes in the future',
      unit: 'requests',
      tried: 1,
      survived: response.status === 401 && runs === 0 ? 1 : 0,
      lost: response.status === 401 && runs === 0 ? 0 : 1,
      duplicated: 0,
      seed,
      notes: [`answered ${response.status}; runs created ${runs}`],
    });
    expect(response.status).toBe(401);
    expect(runs).toBe(0);
  });
});
