import { afterEach, describe, expect, it } from 'vitest';
import { faultProfile, scenarioSeed } from './support/fault-profile.js';
import { recordScenario } from './support/fault-record.js';
import { startFaultCluster, type FaultCluster } from './support/fault-cluster.js';
import { seededRandom } from './support/seeded-random.js';
import { sleep } from './support/sleep.js';
import { tally, verifyRun, verifyRuns, type RunVerdict } from './support/verify-run.js';

/*
 * Scenario 3: the services flightdeck depends on misbehave while runs are in flight. Transient failures
 * must be retried to success — never turned into a failed run, a second patch or a second message.
 */
describe('scenario 3: dependencies failing', () => {
  const profile = faultProfile();
  let cluster: FaultCluster | undefined;

  afterEach(async () => {
    await cluster?.close();
    cluster = undefined;
  });

  async function deployAll(prefix: string, before?: (service: string) => void) {
    const started: Array<{ runId: string; service: string; version: string }> = [];
    for (const [index, service] of cluster!.services.entries()) {
      before?.(service);
      const version = `${prefix}.${index}`;
      const reply = await cluster!.deploy(`${service} ${version}`);
      expect(reply.runId, reply.text).toBeDefined();
      started.push({ runId: reply.runId!, service, version });
    }
    return started;
  }

  it('3a: Kubernetes answering 500 and 409, slow, and dropping watches', async () => {
    const seed = scenarioSeed(profile.seed, 'k8s-faults');
    const random = seededRandom(seed);
    cluster = await startFaultCluster({ services: profile.dependencyRuns, workers: 1, readyDelayMs: 400 });
    const k8s = cluster.k8s;
    const injected = new Map<string, { patch: number; total: number }>();
    let drops = 0;
    let watchesCut = 0;
    let dropping = true;
    k8s.delayNext(random.int(2, 6), random.int(500, 2000), { method: 'GET' });
    const dropper = (async () => {
      while (dropping) {
        await sleep(random.int(150, 700));
        watchesCut += k8s.dropWatches();
        drops += 1;
      }
    })();
    // At most three failures per run: a step has six attempts, and each injected failure costs one. The first
    // service gets one of each kind, so every kind is injected whatever the seed draws for the others.
    let index = 0;
    const started = await deployAll('v4.0', (service) => {
      const path = `/deployments/${service}`;
      const first = index++ === 0;
      const patch500 = first ? 1 : random.int(0, 1);
      const patch409 = first ? 1 : random.int(0, 1);
      const get500 = first ? 1 : random.int(0, 1);
      if (patch500) k8s.failNext(patch500, 500, { method: 'PATCH', pathIncludes: path });
      if (patch409) k8s.failNext(patch409, 409, { method: 'PATCH', pathIncludes: path });
      if (get500) k8s.failNext(get500, 500, { method: 'GET', pathIncludes: path });
      injected.set(service, { patch: patch500 + patch409, total: patch500 + patch409 + get500 });
    });
    const verdicts: RunVerdict[] = [];
    try {
      for (const { runId, service, version } of started) {
        verdicts.push(await verifyRun(cluster, runId, service, version, { timeoutMs: 90_000, failedPatches: injected.get(service)!.patch }));
      }
    } finally {
      dropping = false;
      await dropper;
    }
    const counts = tally(verdicts);
    const faults = [...injected.values()].reduce((sum, f) => sum + f.total, 0);
    recordScenario({
      id: '3a',
      scenario: 'Kubernetes API: 500s and 409s on PATCH/GET, delayed GETs, watches dropped every 150–700 ms',
      unit: 'runs',
      tried: started.length,
      survived: counts.survived,
      lost: counts.lost,
      duplicated: counts.duplicated,
      seed,
      notes: [`${faults} failures injected, ${drops} watch drops cutting ${watchesCut} open watches`, counts.lag, ...counts.reasons],
    });
    if (counts.reasons.length > 0) console.log(cluster.output().slice(-20_000));
    // The premise first: every injected failure and delay was answered, and the drops cut open watches.
    expect(k8s.pendingFaults()).toEqual({ failures: 0, delays: 0, hangs: 0, silences: 0 });
    expect(watchesCut).toBeGreaterThan(0);
    expect(counts.reasons).toEqual([]);
  });

  it('3b: Slack answering 429 (Retry-After) and 500, and rate-limiting edits', async () => {
    const seed = scenarioSeed(profile.seed, 'slack-faults');
    const random = seededRandom(seed);
    // Rollouts that outlast the first post, so each run's message is edited while it runs and the edits meet the faults.
    cluster = await startFaultCluster({ services: profile.dependencyRuns, workers: 1, readyDelayMs: 4000 });
    const slack = cluster.slack;
    const post500 = random.int(1, 3);
    const update500 = random.int(2, 6);
    const update429 = random.int(2, 6);
    const post429 = random.int(1, 2);
    // Faults queue per method and paced, coalesced runs make few calls: interleaved, every kind is answered
    // even in the short profile, instead of the 429s waiting behind 500s that use up the calls.
    slack.failNext('chat.postMessage', post429, { status: 429, retryAfter: 1 });
    slack.failNext('chat.postMessage', post500, { status: 500 });
    for (let i = 0; i < Math.max(update500, update429); i += 1) {
      if (i < update429) slack.failNext('chat.update', 1, { status: 429, retryAfter: 1 });
      if (i < update500) slack.failNext('chat.update', 1, { status: 500 });
    }
    slack.rateLimit({ method: 'chat.update', perChannelPerSecond: 1 });
    slack.rateLimit({ method: 'chat.postMessage', perChannelPerSecond: 1 });
    const started = await deployAll('v5.0');
    const verdicts = await verifyRuns(cluster, started, { timeoutMs: 90_000 });
    const counts = tally(verdicts);
    const answered = (status: number) => slack.calls.filter((call) => call.status === status).length;
    recordScenario({
      id: '3b',
      scenario: 'Slack Web API: 500s on chat.postMessage/chat.update, 429 with Retry-After, 1 call/s/channel rate limit',
      unit: 'runs',
      tried: started.length,
      survived: counts.survived,
      lost: counts.lost,
      duplicated: counts.duplicated,
      seed,
      notes: [`Slack answered ${answered(500)}× 500 and ${answered(429)}× 429 (${post500 + update500} 500s and ${post429 + update429} 429s queued, the rest from the rate limit)`, counts.lag, ...counts.reasons],
    });
    if (counts.reasons.length > 0) console.log(cluster.output().slice(-20_000));
    expect(counts.reasons).toEqual([]);
    expect(answered(500)).toBeGreaterThan(0);
    expect(answered(429)).toBeGreaterThan(0);
  });
});
