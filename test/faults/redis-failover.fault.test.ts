import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { faultProfile, scenarioSeed } from './support/fault-profile.js';
import { recordScenario } from './support/fault-record.js';
import { startFaultCluster, type FaultCluster } from './support/fault-cluster.js';
import { startOwnSentinel, type OwnSentinel } from './support/own-sentinel.js';
import { seededRandom } from './support/seeded-random.js';
import { startRunsMidRollout } from './support/runs-mid-rollout.js';
import { tally, verifyRuns } from './support/verify-run.js';

/*
 * Scenario 2c: flightdeck (web + one worker) on Redis behind Sentinel (REDIS_URL=redis+sentinel://…): a primary,
 * a replica and three sentinels. While every run's rollout is in flight the primary is SIGKILLed and never comes
 * back; the sentinels promote the replica, flightdeck's clients ask them where the primary is now, and every
 * run must finish there, with nothing lost or duplicated.
 */

/** Pods take this long to become ready, so the failover lands inside every rollout. */
const READY_DELAY_MS = 6000;

describe('scenario 2c: Redis primary killed mid-run, Sentinel promotes the replica', () => {
  let sentinel: OwnSentinel;
  let cluster: FaultCluster;
  const profile = faultProfile();
  const seed = scenarioSeed(profile.seed, 'redis-2c');

  beforeAll(async () => {
    sentinel = await startOwnSentinel();
    cluster = await startFaultCluster({ services: profile.redisRuns, workers: 1, redisUrl: sentinel.url, lockMs: 2000, readyDelayMs: READY_DELAY_MS });
  });

  afterAll(async () => {
    await cluster?.close();
    await sentinel?.destroy();
  });

  it('finishes every run on the promoted replica', async () => {
    const random = seededRandom(seed);
    const { started, activeIds, assertStillRollingOut } = await startRunsMidRollout(cluster, random, 'v3.2');
    const killedAt = Date.now();
    const oldPort = await sentinel.killPrimary();
    assertStillRollingOut('when the primary died');
    const newPort = await sentinel.awaitFailover(oldPort, 60_000);
    const promotedAfterMs = Date.now() - killedAt;
    expect(newPort).not.toBe(oldPort);
    const verdicts = await verifyRuns(cluster, started, { timeoutMs: 90_000 });
    const counts = tally(verdicts);
    recordScenario({
      id: '2c',
      scenario: 'Redis primary killed mid-run, Sentinel failover (redis+sentinel://)',
      unit: 'runs',
      tried: started.length,
      survived: counts.survived,
      lost: counts.lost,
      duplicated: counts.duplicated,
      seed,
      notes: [`${activeIds.length} runs active when the primary died; replica promoted after ${promotedAfterMs} ms`, counts.lag, ...cluster.crashed().map((c) => `crashed: ${c}`), ...counts.reasons],
    });
    if (counts.reasons.length > 0) console.log(cluster.output().slice(-20_000));
    expect(counts.reasons).toEqual([]);
    expect(cluster.crashed()).toEqual([]);
  });
});
