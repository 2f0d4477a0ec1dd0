import { describe, expect, it } from 'vitest';
import { faultProfile, scenarioSeed } from './support/fault-profile.js';
import { recordScenario } from './support/fault-record.js';
import { startFaultCluster } from './support/fault-cluster.js';
import { seededRandom } from './support/seeded-random.js';
import { sleep } from './support/sleep.js';
import { tally, verifyRuns } from './support/verify-run.js';
import { isTerminal } from '../../src/run/core/run-schema.js';
import { FAULT_CHANNEL } from './support/fault-catalog.js';
import type { FaultCluster } from './support/fault-cluster.js';

function outcomeShown(cluster: FaultCluster, service: string, version: string): boolean {
  const messages = cluster.slack.messages(FAULT_CHANNEL).filter((m) => m.text.includes(`Deploy ${service} ${version} to`));
  return messages.some((m) => m.blocks.some((block) => block.block_id === 'outcome'));
}

/*
 * Scenario 1: one web process and two workers on one Redis, job locks of 2 s. While runs are being started,
 * a random worker is SIGKILLed at a random moment and a fresh one started, over and over, until every run
 * has ended. The seed fixes the schedule (start offsets, kill gaps, victims); the interleaving with the
 * processes' own timing is whatever the machine makes of it, which is the point.
 */
describe('scenario 1: SIGKILL of a worker at random points', () => {
  it('ends every run exactly once: no run lost, one image patch each, audit complete, rollback target kept', async () => {
    const profile = faultProfile();
    const seed = scenarioSeed(profile.seed, 'worker-kill');
    const random = seededRandom(seed);
    const cluster = await startFaultCluster({ services: profile.killRuns, workers: 2, lockMs: 2000, readyDelayMs: 2000 });
    let kills = 0;
    let killsMidRun = 0;
    let stopKilling = false;
    const started: Array<{ runId: string; service: string; version: string }> = [];
    const refused: string[] = [];
    try {
      const killer = (async () => {
        while (!stopKilling) {
          await sleep(random.int(150, 1000));
          if (stopKilling || cluster.workers.length === 0) break;
          const active = await cluster.store.activeRuns();
          if (active.some((run) => run.phases.some((phase) => phase.items.some((item) => item.state === 'running')))) killsMidRun += 1;
          await cluster.killWorker(random.int(0, cluster.workers.length - 1));
          kills += 1;
          await sleep(random.int(0, 500));
          await cluster.startWorker();
        }
      })();
      for (const [index, service] of cluster.services.entries()) {
        await sleep(random.int(0, 600));
        const version = `v2.0.${index}`;
        const reply = await cluster.deploy(`${service} ${version} to production`);
        if (reply.runId) started.push({ runId: reply.runId, service, version });
        else refused.push(`${service}: ${reply.response.status} ${reply.text}`);
      }
      // Kills go on until every run has ended and its message shows it: renders are work a kill can lose too.
      const deadline = Date.now() + 180_000;
      while (Date.now() < deadline) {
        const runs = await Promise.all(started.map(({ runId }) => cluster.store.get(runId)));
        if (runs.every((run) => run && isTerminal(run.state)) && started.every(({ service, version }) => outcomeShown(cluster, service, version))) break;
        await sleep(250);
      }
      stopKilling = true;
      await killer;
      const verdicts = await verifyRuns(cluster, started, { timeoutMs: 30_000 });
      const counts = tally(verdicts);
      const lost = counts.lost + refused.length;
      recordScenario({
        id: '1',
        scenario: 'SIGKILL of a random worker at random moments (1 web + 2 workers, WORKER_LOCK_MS=2000)',
        unit: 'runs',
        tried: cluster.services.length,
        survived: counts.survived,
        lost,
        duplicated: counts.duplicated,
        seed,
        notes: [`${kills} SIGKILLs, ${killsMidRun} while a step was running`, counts.lag, ...refused.map((r) => `refused: ${r}`), ...counts.reasons],
      });
      if (lost + counts.duplicated > 0) console.log(cluster.output().slice(-20_000));
      expect(refused).toEqual([]);
      expect(counts.reasons).toEqual([]);
      expect(kills).toBeGreaterThan(0);
      expect(cluster.crashed()).toEqual([]);
    } finally {
      stopKilling = true;
      await cluster.close();
    }
  });
});
