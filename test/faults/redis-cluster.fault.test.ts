import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { queuePrefix } from '../../src/queue/engine/create-queues.js';
import { faultProfile, scenarioSeed } from './support/fault-profile.js';
import { recordScenario } from './support/fault-record.js';
import { startFaultCluster, type FaultCluster } from './support/fault-cluster.js';
import { startOwnRedisCluster, type OwnRedisCluster } from '../support/own-redis-cluster.js';
import { seededRandom } from './support/seeded-random.js';
import { startRunsMidRollout } from './support/runs-mid-rollout.js';
import { tally, verifyRuns } from './support/verify-run.js';

/*
 * Scenario 2d: flightdeck (web + one worker) on a Redis Cluster of three masters with a replica each
 * (REDIS_URL=redis+cluster://…). While every run's rollout is in flight the master serving flightdeck's hash
 * slot is SIGKILLed and never comes back; its replica takes the slots over, flightdeck's Cluster clients follow
 * the new slot map, and every run must finish there, with nothing lost or duplicated. Every key flightdeck
 * wrote must be in that one slot: the braced prefix is what lets its scripts and MULTIs run on a cluster.
 */

/** Pods take this long to become ready, so the failover lands inside every rollout. */
const READY_DELAY_MS = 6000;

describe('scenario 2d: Redis Cluster master killed mid-run, its replica takes over', () => {
  let redis: OwnRedisCluster;
  let cluster: FaultCluster;
  const profile = faultProfile();
  const seed = scenarioSeed(profile.seed, 'redis-2d');

  beforeAll(async () => {
    redis = await startOwnRedisCluster(1);
    cluster = await startFaultCluster({ services: profile.redisRuns, workers: 1, redisUrl: redis.url, lockMs: 2000, readyDelayMs: READY_DELAY_MS });
  });

  afterAll(async () => {
    await cluster?.close();
    await redis?.destroy();
  });

  it('finishes every run on the promoted replica, every key in one slot', async () => {
    const random = seededRandom(seed);
    const tag = `{${cluster.prefix}}`;
    const slot = await redis.slotOf(tag);
    const { started, activeIds, assertStillRollingOut } = await startRunsMidRollout(cluster, random, 'v3.3');
    const oldPort = await redis.masterOf(tag);
    const killedAt = Date.now();
    await redis.kill(oldPort);
    assertStillRollingOut('when the master died');
    const newPort = await redis.awaitFailover(tag, oldPort, 60_000);
    const promotedAfterMs = Date.now() - killedAt;
    const verdicts = await verifyRuns(cluster, started, { timeoutMs: 90_000 });
    const counts = tally(verdicts);
    const keys = await redis.allKeys();
    const elsewhere = keys.filter((key) => key.slot !== slot || key.port !== newPort).map((key) => `${key.key} (slot ${key.slot} on ${key.port})`);
    recordScenario({
      id: '2d',
      scenario: 'Redis Cluster master killed mid-run, replica takes over (redis+cluster://)',
      unit: 'runs',
      tried: started.length,
      survived: counts.survived,
      lost: counts.lost,
      duplicated: counts.duplicated,
      seed,
      notes: [
        `${activeIds.length} runs active when the master of slot ${slot} died; its replica served the slot after ${promotedAfterMs} ms`,
        `${keys.length} keys, all in slot ${slot}: ${elsewhere.length === 0 ? 'yes' : `no, ${elsewhere.length} elsewhere`}`,
        counts.lag,
        ...cluster.crashed().map((c) => `crashed: ${c}`),
        ...counts.reasons,
      ],
    });
    if (counts.reasons.length > 0) console.log(cluster.output().slice(-20_000));
    expect(counts.reasons).toEqual([]);
    expect(cluster.crashed()).toEqual([]);
    // The queues' keys too: BullMQ's prefix carries the same tag.
    expect(keys.some((key) => key.key.startsWith(queuePrefix(cluster.prefix)))).toBe(true);
    expect(elsewhere).toEqual([]);
  });
});
