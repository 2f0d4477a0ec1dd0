import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { faultProfile, scenarioSeed } from './support/fault-profile.js';
import { recordScenario } from './support/fault-record.js';
import { startFaultCluster, type FaultCluster } from './support/fault-cluster.js';
import { startOwnRedis, type OwnRedis } from './support/own-redis.js';
import { seededRandom } from './support/seeded-random.js';
import { sleep } from './support/sleep.js';
import { startRunsMidRollout } from './support/runs-mid-rollout.js';
import { tally, verifyRuns } from './support/verify-run.js';

/*
 * Scenario 2: flightdeck (web + one worker) on a private redis-server with an append-only file. Runs are
 * started, and while their rollouts are in flight Redis is stopped — cleanly (2a) or killed (2b) — kept down
 * for a while, and started again on the same data. Every run must finish after Redis returns.
 */

/** Pods take this long to become ready, so the outage lands inside every rollout, however slow the machine. */
const READY_DELAY_MS = 4000;
describe.each([
  { id: '2a', signal: 'SIGTERM' as const, label: 'Redis restarted mid-run (SIGTERM, AOF)' },
  { id: '2b', signal: 'SIGKILL' as const, label: 'Redis crashed mid-run (SIGKILL, AOF appendfsync always)' },
])('scenario $id: $label', ({ id, signal, label }) => {
  let redis: OwnRedis;
  let cluster: FaultCluster;
  const profile = faultProfile();
  const seed = scenarioSeed(profile.seed, `redis-${id}`);

  beforeAll(async () => {
    redis = await startOwnRedis();
    cluster = await startFaultCluster({ services: profile.redisRuns, workers: 1, redisUrl: redis.url, lockMs: 2000, readyDelayMs: READY_DELAY_MS });
  });

  afterAll(async () => {
    await cluster?.close();
    await redis?.destroy();
  });

  it('finishes every run after Redis comes back', async () => {
    const random = seededRandom(seed);
    const { started, activeIds, assertStillRollingOut } = await startRunsMidRollout(cluster, random, 'v3.0');
    const active = activeIds.length;
    await redis.stop(signal);
    // Checked after the stop: a rollout not finished now was not finished when Redis went down.
    assertStillRollingOut('when Redis went down');
    const downMs = random.int(1000, 4000);
    await sleep(downMs);
    await redis.start();
    const verdicts = await verifyRuns(cluster, started, { timeoutMs: 60_000 });
    const counts = tally(verdicts);
    recordScenario({
      id,
      scenario: label,
      unit: 'runs',
      tried: started.length,
      survived: counts.survived,
      lost: counts.lost,
      duplicated: counts.duplicated,
      seed,
      notes: [`${active} runs active when Redis went down for ${downMs} ms`, counts.lag, ...cluster.crashed().map((c) => `crashed: ${c}`), ...counts.reasons],
    });
    if (counts.reasons.length > 0) console.log(cluster.output().slice(-20_000));
    expect(counts.reasons).toEqual([]);
    expect(cluster.crashed()).toEqual([]);
  });
});
