import { expect } from 'vitest';
import { waitUntil } from '../../support/wait-until.js';
import { FAULT_NAMESPACE, imageOf } from './fault-catalog.js';
import type { FaultCluster } from './fault-cluster.js';
import type { SeededRandom } from './seeded-random.js';
import { sleep } from './sleep.js';

export interface StartedRun {
  runId: string;
  service: string;
  version: string;
}

export interface RunsMidRollout {
  started: StartedRun[];
  /** The ids of the active runs, read just before the caller's fault. */
  activeIds: string[];
  /** The premise, checked after the fault: every run was active and none of its new pods ready when it struck. */
  assertStillRollingOut(when: string): void;
}

/**
 * Deploys every service of the cluster (`<prefix>.<index>`) and returns once each run has patched its
 * Deployment (a positive marker) and a seeded moment more, well inside the pods' readiness delay: the moment
 * the Redis scenarios take Redis away.
 */
export async function startRunsMidRollout(cluster: FaultCluster, random: SeededRandom, versionPrefix: string): Promise<RunsMidRollout> {
  const started: StartedRun[] = [];
  for (const [index, service] of cluster.services.entries()) {
    const version = `${versionPrefix}.${index}`;
    const reply = await cluster.deploy(`${service} ${version}`);
    expect(reply.runId, reply.text).toBeDefined();
    started.push({ runId: reply.runId!, service, version });
  }
  const newReplicaSet = (service: string, version: string) =>
    cluster.k8s.listReplicaSets(FAULT_NAMESPACE).find((rs) => rs.spec.template.spec.containers[0].image === imageOf(service, version));
  await waitUntil('every run to have patched its Deployment', () => (started.every(({ service, version }) => newReplicaSet(service, version)) ? true : undefined), 30_000);
  await sleep(random.int(0, 300));
  const activeIds = (await cluster.store.activeRuns()).map((run) => run.id);
  return {
    started,
    activeIds,
    assertStillRollingOut(when) {
      expect([...activeIds].sort()).toEqual(started.map(({ runId }) => runId).sort());
      for (const { service, version } of started) {
        expect(newReplicaSet(service, version)?.status.readyReplicas ?? 0, `${service}'s rollout ${when}`).toBe(0);
      }
    },
  };
}
