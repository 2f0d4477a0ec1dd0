import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { checklistSchema } from '../../src/checklist/checklist-schema.js';
import { createRun } from '../../src/run/core/create-run.js';
import { transition } from '../../src/run/core/transition.js';
import { startKubernetesEmulator } from '../../sandbox/kubernetes/index.js';
import { startPrometheusEmulator } from '../../sandbox/prometheus/index.js';
import { waitUntil } from '../../test/support/wait-until.js';
import { latencyStats, type LatencyStats } from '../latency-stats.js';
import { startBenchRedis } from '../start-bench-redis.js';
import { startBenchWorkers } from '../start-bench-workers.js';

export interface SwitchBackResult {
  /** Runs that were rolled back and whose switch back the emulator saw. */
  runs: number;
  intervalMs: number;
  forMs: number;
  /** From the evaluation that declared the breach to the PATCH putting the active Service back on the old pods. */
  breachToSwitchBackMs: LatencyStats;
  /** Final states of the measured runs (all `rolled-back` when the switch back and the rest of the rollback worked). */
  states: Record<string, number>;
}

const NS = 'bench';
const NAME = 'svc';
const QUERY = `error_ratio{service="${NAME}"}`;
/** Each step of a run gives up after this long; the whole measurement after `runs` × this. */
const RUN_BOUND_MS = 30_000;

/**
 * Blue-green switch-back latency (issue 14, item 1): N blue-green runs one after another through the real
 * queue workers on a Redis of their own, each with a preview, a switch of the active Service and a scale-down
 * that waits out its delay; the guard then breaches and the rollback run's first step, `switch-back`, patches
 * the active Service back to the old ReplicaSet's pods. Timed from the breach the run records (`breaches[0].at`,
 * the evaluation that declared it) to the arrival of that PATCH in the Kubernetes emulator's request log
 * (stamped when logged, before it is handled). Slack is a no-op notifier: its pacing is measured elsewhere.
 */
export async function measureSwitchBack(o: { runs: number; intervalMs?: number; forMs?: number; log: (line: string) => void }): Promise<SwitchBackResult> {
  const intervalMs = o.intervalMs ?? 250;
  const forMs = o.forMs ?? 500;
  o.log(`blue-green switch-back: ${o.runs} runs`);
  const k8s = await startKubernetesEmulator({ readyDelayMs: 20, tickMs: 10 });
  // Switch-back PATCHes of the active Service: the one write that drops the preview's `track` label.
  const switchBacks: number[] = [];
  const requests = k8s.requests;
  const push = requests.push.bind(requests);
  requests.push = (...items) => {
    const now = Date.now();
    for (const request of items) {
      const selector = (request.body as { spec?: { selector?: Record<string, unknown> } } | undefined)?.spec?.selector;
      if (request.method === 'PATCH' && request.path.endsWith(`/services/${NAME}`) && selector?.track === null && typeof selector['pod-template-hash'] === 'string') switchBacks.push(now);
    }
    return push(...items);
  };
  const prometheus = await startPrometheusEmulator();
  const redisServer = await startBenchRedis();
  const dir = mkdtempSync(join(tmpdir(), 'bench-switch-back-'));
  const kubeconfig = join(dir, 'kubeconfig');
  k8s.writeKubeconfig(kubeconfig, 'emu');
  const { store, engine, close } = startBenchWorkers({ redisUrl: redisServer.url, prefix: 'bench-switch-back', kubeconfigPath: kubeconfig, concurrency: 4 });

  const samples: number[] = [];
  const states: Record<string, number> = {};
  const deadline = Date.now() + o.runs * RUN_BOUND_MS;
  try {
    k8s.seedDeployment({ namespace: NS, name: NAME, container: NAME, image: `reg/${NAME}:v1`, replicas: 2 });
    for (const service of [NAME, `${NAME}-preview`]) {
      k8s.create('services', NS, { apiVersion: 'v1', kind: 'Service', metadata: { name: service }, spec: { selector: { app: NAME }, ports: [{ port: 80, targetPort: 8080 }] } });
    }
    const checklist = checklistSchema.parse({
      name: 'bench-blue-green',
      phases: [
        {
          id: 'release',
          title: 'Blue-green',
          items: [
            { id: 'preview', kind: 'step', action: 'preview', timeout: '20s' },
            { id: 'switch', kind: 'step', action: 'switch' },
            // Long enough that every breach lands while the old version is kept: the case switch-back exists for.
            { id: 'scale-down', kind: 'step', action: 'scale-down', scaleDownDelay: '10m', timeout: '20s' },
          ],
        },
      ],
      guards: [{ id: 'errors', title: 'Errors', probe: { type: 'prometheus', url: prometheus.url, query: QUERY, above: 0.05 }, for: `${forMs}ms`, interval: `${intervalMs}ms`, action: 'rollback' }],
    });
    for (let i = 0; i < o.runs && Date.now() < deadline; i++) {
      prometheus.setQueryResult(QUERY, 0.01);
      const version = `v${i + 2}`;
      const id = await store.nextRunId();
      const now = Date.now();
      const target = { cluster: 'emu', namespace: NS, deployment: NAME, container: NAME, image: `reg/${NAME}:${version}`, blueGreen: { activeService: NAME, previewService: `${NAME}-preview` } };
      const run = createRun({ id, service: NAME, environment: 'production', version, target, requestedBy: 'U0BENCH', channel: `C0BENCH${i}`, checklist }, now);
      const started = transition(run, { type: 'start', actor: 'U0BENCH' }, now);
      const created = await store.create(started.run, started.audit);
      if (!created.created) throw new Error(`lock held by run ${created.holder.id}`);
      await engine.dispatch(created.run, started.effects);
      await waitUntil(`run ${id} to switch and wait out its scale-down delay`, async () => {
        const current = await store.get(id);
        const items = current?.phases[0]?.items ?? [];
        return items.find((item) => item.id === 'switch')?.state === 'done' && items.find((item) => item.id === 'scale-down')?.state === 'running' ? true : undefined;
      }, RUN_BOUND_MS);
      const seen = switchBacks.length;
      prometheus.setQueryResult(QUERY, 0.5);
      const switchedBack = await waitUntil(`the switch back of run ${id}`, () => switchBacks[seen], RUN_BOUND_MS);
      const ended = await waitUntil(`run ${id} to be rolled back`, async () => {
        const current = await store.get(id);
        return current?.state === 'rolled-back' || current?.state === 'rollback-failed' ? current : undefined;
      }, RUN_BOUND_MS);
      states[ended.state] = (states[ended.state] ?? 0) + 1;
      const breach = ended.breaches[0];
      if (breach) samples.push(switchedBack - breach.at);
    }
  } finally {
    await close();
    await Promise.all([k8s.close(), prometheus.close(), redisServer.stop()]);
    rmSync(dir, { recursive: true, force: true });
  }
  return { runs: samples.length, intervalMs, forMs, breachToSwitchBackMs: latencyStats(samples), states };
}
