/**
 * Breach-to-rollback latency: from the end of a guard's window (the first failing evaluation + `for`) to the
 * rollback PATCH of the Deployment reaching the API server, p50/p99 over N runs, through the real queue
 * workers (BullMQ on Redis), the real guard, alert and rollback jobs, a Prometheus emulator and a
 * Kubernetes emulator whose request log is stamped on arrival. Each run posts to its own channel, so Slack pacing
 * (one edit per second per channel) of earlier runs cannot delay a later one.
 *
 *   npx tsx bench/breach-to-rollback.ts [--runs 50] [--interval-ms 250] [--for-ms 750]
 *
 * Needs Redis on 127.0.0.1:6379 (a random key prefix, deleted afterwards). Bounded: each run gives up after
 * 30 s and the whole bench after 10 minutes.
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { checklistSchema } from '../src/checklist/checklist-schema.js';
import { createRun } from '../src/run/core/create-run.js';
import { transition } from '../src/run/core/transition.js';
import { startKubernetesEmulator } from '../sandbox/kubernetes/index.js';
import { startPrometheusEmulator } from '../sandbox/prometheus/index.js';
import { waitUntil } from '../test/support/wait-until.js';
import { startBenchWorkers } from './start-bench-workers.js';
import { latencyStats } from './latency-stats.js';

function option(name: string, fallback: number): number {
  const index = process.argv.indexOf(`--${name}`);
  const value = index >= 0 ? Number(process.argv[index + 1]) : fallback;
  if (!Number.isInteger(value) || value <= 0) throw new Error(`--${name} must be a positive whole number`);
  return value;
}

const RUNS = option('runs', 50);
const INTERVAL_MS = option('interval-ms', 250);
const FOR_MS = option('for-ms', 750);
const BENCH_DEADLINE = Date.now() + 10 * 60_000;
const NS = 'bench';
/** One Deployment for every run: each run rolls it from v1 to a new version and the guard rolls it back to v1. */
const NAME = 'svc';
const QUERY = `error_ratio{service="${NAME}"}`;

async function main(): Promise<void> {
  const k8s = await startKubernetesEmulator({ readyDelayMs: 20, tickMs: 10 });
  // Rollback PATCHes (they restore `:v1`), stamped when the emulator logs the request: on arrival, before it is handled.
  const rollbackPatches: number[] = [];
  const log = k8s.requests;
  const push = log.push.bind(log);
  log.push = (...items) => {
    const now = Date.now();
    for (const request of items) {
      if (request.method === 'PATCH' && request.path.endsWith(`/deployments/${NAME}`) && JSON.stringify(request.body).includes(':v1"')) rollbackPatches.push(now);
    }
    return push(...items);
  };
  const prometheus = await startPrometheusEmulator();
  const kubeconfig = join(mkdtempSync(join(tmpdir(), 'bench-guards-')), 'kubeconfig');
  k8s.writeKubeconfig(kubeconfig, 'emu');
  const prefix = `bench-guards-${randomBytes(4).toString('hex')}`;
  const { store, engine, close } = startBenchWorkers({ redisUrl: 'redis://127.0.0.1:6379', prefix, kubeconfigPath: kubeconfig, concurrency: 8 });

  const fromWindowEnd: number[] = [];
  const fromBreach: number[] = [];
  try {
    k8s.seedDeployment({ namespace: NS, name: NAME, container: NAME, image: `reg/${NAME}:v1`, replicas: 2 });
    const checklist = checklistSchema.parse({
      name: 'bench',
      phases: [
        { id: 'rollout', title: 'Rollout', items: [{ id: 'set', kind: 'step', action: 'set-image' }, { id: 'wait', kind: 'step', action: 'wait-rollout', timeout: '20s' }] },
        { id: 'verify', title: 'Verify', items: [{ id: 'look', kind: 'manual', title: 'Looks fine' }] },
      ],
      guards: [{ id: 'errors', title: 'Errors', probe: { type: 'prometheus', url: prometheus.url, query: QUERY, above: 0.05 }, for: `${FOR_MS}ms`, interval: `${INTERVAL_MS}ms`, action: 'rollback' }],
    });
    for (let i = 0; i < RUNS && Date.now() < BENCH_DEADLINE; i++) {
      prometheus.setQueryResult(QUERY, 0.01);
      const version = `v${i + 2}`;
      const id = await store.nextRunId();
      const now = Date.now();
      const target = { cluster: 'emu', namespace: NS, deployment: NAME, container: NAME, image: `reg/${NAME}:${version}` };
      // Each run posts to its own channel, so Slack pacing (one edit per second per channel) of earlier runs cannot delay it.
      const run = createRun({ id, service: NAME, environment: 'production', version, target, requestedBy: 'U0BENCH', channel: `C0BENCH${i}`, checklist }, now);
      const started = transition(run, { type: 'start', actor: 'U0BENCH' }, now);
      const created = await store.create(started.run, started.audit);
      if (!created.created) throw new Error(`lock held by run ${created.holder.id}`);
      await engine.dispatch(created.run, started.effects);
      await waitUntil(`run ${id} to wait after its rollout`, async () => ((await store.get(id))?.state === 'waiting' ? true : undefined), 30_000);
      const patchesBefore = rollbackPatches.length;
      prometheus.setQueryResult(QUERY, 0.5);
      const patched = await waitUntil(`the rollback PATCH of run ${id}`, () => rollbackPatches[patchesBefore], 30_000);
      const ended = await waitUntil(`run ${id} to be rolled back`, async () => {
        const current = await store.get(id);
        return current?.state === 'rolled-back' || current?.state === 'rollback-failed' ? current : undefined;
      }, 30_000);
      const guard = ended.guards[0]!;
      const breach = ended.breaches[0]!;
      const windowEnd = (guard.assessment?.since ?? breach.at) + FOR_MS;
      fromWindowEnd.push(patched - windowEnd);
      fromBreach.push(patched - breach.at);
      process.stdout.write('.');
    }
  } finally {
    process.stdout.write('\n');
    await close({ dropKeys: true });
    await Promise.all([k8s.close(), prometheus.close()]);
  }
  const round = (stats: ReturnType<typeof latencyStats>) => Object.fromEntries(Object.entries(stats).map(([k, v]) => [k, Math.round(v)]));
  console.log(JSON.stringify({ runs: fromWindowEnd.length, intervalMs: INTERVAL_MS, forMs: FOR_MS, windowEndToPatchMs: round(latencyStats(fromWindowEnd)), breachToPatchMs: round(latencyStats(fromBreach)) }, null, 2));
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
