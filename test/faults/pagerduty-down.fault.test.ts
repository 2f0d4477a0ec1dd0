import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dedupKeyFor } from '../../src/pagerduty/dedup-key-for.js';
import { runRef } from '../../src/run/core/run-ref.js';
import { isTerminal } from '../../src/run/core/run-schema.js';
import { startPagerDutyEmulator, type PagerDutyEmulator } from '../../sandbox/pagerduty/index.js';
import { startPrometheusEmulator, type PrometheusEmulator } from '../../sandbox/prometheus/index.js';
import { waitUntil } from '../support/wait-until.js';
import { FAULT_NAMESPACE, imageOf } from './support/fault-catalog.js';
import { ORIGINAL_VERSION, startFaultCluster, type FaultCluster } from './support/fault-cluster.js';
import { faultProfile, scenarioSeed } from './support/fault-profile.js';
import { recordScenario } from './support/fault-record.js';
import { seededRandom } from './support/seeded-random.js';
import { sleep } from './support/sleep.js';
import { verifyMessage } from './support/verify-run.js';
import { pagerDutyEnv } from '../support/pagerduty-env.js';

/*
 * Scenario 3c: PagerDuty is unreachable when guards breach. The rollback must not wait for it, and once
 * PagerDuty is back every run's page must arrive exactly once (one incident, one trigger).
 */
const QUERY = 'job:error_ratio{suite="faults"}';
const POLICY = 'PFAULTS1';

const GUARDED = `name: guarded
phases:
  - id: rollout
    title: Rollout
    items:
      - { id: set-image, kind: step, action: set-image }
      - { id: wait, kind: step, action: wait-rollout, timeout: 60s }
  - id: verify
    title: Verification
    items:
      - { id: dashboards, kind: manual, title: Dashboards look healthy }
guards:
  - id: error-rate
    title: Error rate
    probe:
      type: prometheus
      url: PROMETHEUS_URL
      query: '${QUERY}'
      above: 0.05
    for: 2s
    interval: 1s
    action: rollback
`;

describe('scenario 3c: PagerDuty down while guards breach', () => {
  const profile = faultProfile();
  const seed = scenarioSeed(profile.seed, 'pagerduty-down');
  let pagerduty: PagerDutyEmulator;
  let prometheus: PrometheusEmulator;
  let cluster: FaultCluster;

  beforeAll(async () => {
    pagerduty = await startPagerDutyEmulator();
    prometheus = await startPrometheusEmulator();
    const oncall = pagerduty.addUser({ name: 'Bob Example', email: 'bob@example.com' });
    pagerduty.setOnCall(POLICY, [oncall.id]);
    cluster = await startFaultCluster({
      services: profile.dependencyRuns,
      workers: 1,
      extras: {
        environments: { guarded: 'guarded' },
        serviceLines: ['pagerduty:', '  routingKeyEnv: PD_ROUTING_KEY', `  escalationPolicy: ${POLICY}`],
        checklists: { guarded: GUARDED.replace('PROMETHEUS_URL', prometheus.url) },
      },
      env: pagerDutyEnv(pagerduty),
    });
  });

  afterAll(async () => {
    await cluster?.close();
    await pagerduty?.close();
    await prometheus?.close();
  });

  it('rolls back at once and pages exactly once per run after PagerDuty returns', async () => {
    const random = seededRandom(seed);
    prometheus.setQueryResult(QUERY, 0.01);
    const started: Array<{ runId: string; service: string }> = [];
    for (const [index, service] of cluster.services.entries()) {
      const reply = await cluster.deploy(`${service} v8.0.${index} to guarded`);
      expect(reply.runId, reply.text).toBeDefined();
      started.push({ runId: reply.runId!, service });
    }
    await waitUntil('every rollout to finish', async () => {
      const runs = await Promise.all(started.map(({ runId }) => cluster.store.get(runId)));
      return runs.every((run) => run?.phases[0]?.items.every((item) => item.state === 'done')) ? true : undefined;
    }, 60_000);
    await pagerduty.down();
    prometheus.setQueryResult(QUERY, 0.5);
    const downMs = random.int(4000, 10_000);
    const rolledBackWhileDown = await (async () => {
      await sleep(downMs);
      const runs = await Promise.all(started.map(({ runId }) => cluster.store.get(runId)));
      return runs.filter((run) => run && ['failed', 'rolling-back', 'rolled-back'].includes(run.state)).length;
    })();
    const incidentsWhileDown = pagerduty.incidents.length;
    await pagerduty.up();

    const problems: string[] = [];
    let worstLag: { runId: string; lagMs: number; boundMs: number } | undefined;
    let survived = 0;
    let lost = 0;
    let duplicated = 0;
    for (const { runId, service } of started) {
      const mine: string[] = [];
      const run = await waitUntil(`run ${runId} to end`, async () => {
        const current = await cluster.store.get(runId);
        return current && isTerminal(current.state) && current.state !== 'failed' ? current : undefined;
      }, 60_000).catch(() => cluster.store.get(runId));
      if (run?.state !== 'rolled-back') mine.push(`ended ${run?.state}`);
      const incident = await waitUntil('the page', () => pagerduty.incident(dedupKeyFor(run ? runRef(run) : runId, 'error-rate')), 60_000).catch(() => undefined);
      const image = cluster.k8s.getDeployment(FAULT_NAMESPACE, service).spec.template.spec.containers[0].image;
      if (image !== imageOf(service, ORIGINAL_VERSION)) mine.push(`Deployment runs ${image}`);
      if (run?.rollbackTarget?.image !== imageOf(service, ORIGINAL_VERSION)) mine.push('rollback target changed');
      const message = await verifyMessage(cluster, runId, 60_000);
      mine.push(...message.problems);
      if (message.lagMs !== undefined && message.lagMs >= (worstLag?.lagMs ?? -1)) worstLag = { runId, lagMs: message.lagMs, boundMs: message.boundMs };
      const lostHere = mine.length > 0 || !incident;
      if (!incident) mine.push('never paged');
      const dupHere = (incident?.triggerCount ?? 0) > 1 || pagerduty.incidents.filter((i) => i.dedupKey === dedupKeyFor(run ? runRef(run) : runId, 'error-rate')).length > 1;
      if (dupHere) mine.push(`paged ${incident?.triggerCount} times`);
      if (lostHere) lost += 1;
      else if (dupHere) duplicated += 1;
      else survived += 1;
      if (mine.length > 0) problems.push(`run #${runId} (${service}): ${mine.join(', ')}`);
    }
    recordScenario({
      id: '3c',
      scenario: 'PagerDuty Events API refusing connections while a rollback guard breaches',
      unit: 'runs',
      tried: started.length,
      survived,
      lost,
      duplicated,
      seed,
      notes: [`PagerDuty down ${downMs} ms; ${rolledBackWhileDown}/${started.length} runs were already rolling back or rolled back while it was down; ${incidentsWhileDown} incidents reached it while down`,
        worstLag ? `worst message lag ${worstLag.lagMs} ms after the run ended (run #${worstLag.runId}; bound ${worstLag.boundMs} ms)` : 'no message converged',
        ...problems,
      ],
    });
    if (problems.length > 0) console.log(cluster.output().slice(-20_000));
    expect(problems).toEqual([]);
    expect(rolledBackWhileDown).toBe(started.length);
  });
});
