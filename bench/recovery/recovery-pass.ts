import { randomBytes } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stepJobId } from '../../src/queue/engine/job-schemas.js';
import { isTerminal } from '../../src/run/core/run-schema.js';
import { RunStore } from '../../src/run/store/run-store.js';
import { startKubernetesEmulator, type KubernetesEmulator } from '../../sandbox/kubernetes/index.js';
import { SlackDriver, startSlackEmulator } from '../../sandbox/slack/index.js';
import { startFlightdeckProcess, type FlightdeckProcess } from '../../test/support/flightdeck-process.js';
import { waitUntil } from '../../test/support/wait-until.js';
import { BENCH_CONTAINER, ROLLOUT_ONLY_CHECKLIST, benchCatalog, channelId, repositoryOf, serviceName } from '../bench-catalog.js';
import { latencyStats, type LatencyStats } from '../latency-stats.js';
import { startBenchRedis } from '../start-bench-redis.js';
import { readJobEvents } from './read-job-events.js';
import { rolloutComplete } from './rollout-complete.js';
import { timeRequests } from './timed-requests.js';

const SIGNING_SECRET = 'bench-signing-secret';
/** The wait-rollout item of ROLLOUT_ONLY_CHECKLIST: the step each run is in when its worker dies. */
const WAIT_ITEM = 'wait';
const DEPLOY_CONCURRENCY = 10;
/** How often the emulator's Deployments are checked for a finished rollout. */
export const ROLLOUT_POLL_MS = 50;

export interface RecoveryPassOptions {
  runs: number;
  /** `WORKER_LOCK_MS` of both workers. */
  lockMs: number;
  /** Pod readiness delay in the Kubernetes emulator: how long each rollout takes from its PATCH. */
  readyDelayMs: number;
  log: (line: string) => void;
}

/** Per run, ms from the SIGKILL of worker A; runs that never got there are left out and listed. */
export interface RecoveryPass {
  lockMs: number;
  /** Runs whose rollout watch was open on worker A when it was killed. */
  runs: number;
  /** How long A's job locks still had to live at the kill (PTTL just before it). */
  lockLeft: LatencyStats;
  /** Gaps in ms between the queue's stall checks after the kill (each check stamps the `stalled-check` key). */
  stallCheckGapsMs: number[];
  /** B's stall check put the job back in `wait` (BullMQ `stalled` event). */
  movedToWait: LatencyStats;
  /** B took the job (BullMQ `active` event). */
  takenByB: LatencyStats;
  /** B's first Kubernetes request for the run's Deployment: the wait-rollout step running again. */
  resumed: LatencyStats;
  /** The run's `endedAt`. */
  terminal: LatencyStats;
  /** When the emulator's Deployment was fully rolled out (polled every ROLLOUT_POLL_MS); nobody needs to watch for that. */
  rolloutDone: LatencyStats;
  /** Terminal minus rollout done, per run: how long the run's end trailed its rollout. */
  trailing: LatencyStats;
  states: Record<string, number>;
  notResumed: string[];
  notTerminal: string[];
  /** PATCHes of the Deployments after the kill: 0 means B resumed the wait, not the whole rollout. */
  patchesAfterKill: number;
  /** From the kill until every run was terminal or the pass gave up. */
  windowMs: number;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * One web process and worker A (both `dist/src/cli.js serve`, on a Redis of their own) start `runs` rollouts
 * of one replica each; once A watches every one of them, worker B starts, A is SIGKILLed, and the pass waits
 * (bounded) until B has ended every run. Every process it starts is stopped before it returns.
 */
export async function runRecoveryPass(options: RecoveryPassOptions): Promise<RecoveryPass> {
  const { runs, lockMs, log } = options;
  const services = Array.from({ length: runs }, (_, i) => serviceName(i));
  const channels = services.map((_, i) => channelId(i));
  const redis = await startBenchRedis();
  const cleanups: (() => Promise<unknown>)[] = [() => redis.stop()];
  const processes: FlightdeckProcess[] = [];
  try {
    const slack = await startSlackEmulator({ channels });
    cleanups.unshift(() => slack.close());
    const k8s: KubernetesEmulator = await startKubernetesEmulator({ readyDelayMs: options.readyDelayMs, tickMs: 100 });
    cleanups.unshift(() => k8s.close());
    cleanups.unshift(() => Promise.all(processes.map((p) => p.stop())));
    for (const name of services) k8s.seedDeployment({ namespace: name, name, container: BENCH_CONTAINER, image: `${repositoryOf(name)}:v1.0.0`, replicas: 1 });
    const requests = timeRequests(k8s);
    const kubeconfig = join(mkdtempSync(join(tmpdir(), 'flightdeck-bench-kube-')), 'kubeconfig');
    k8s.writeKubeconfig(kubeconfig, 'emulator');
    const prefix = `bench-recovery-${randomBytes(4).toString('hex')}`;
    const spawn = async (role: 'web' | 'worker') => {
      const started = await startFlightdeckProcess({
        slackApiUrl: slack.apiUrl,
        botToken: slack.token,
        signingSecret: SIGNING_SECRET,
        kubeconfigPath: kubeconfig,
        catalog: benchCatalog(runs, 1),
        checklists: { release: ROLLOUT_ONLY_CHECKLIST },
        env: {
          REDIS_URL: redis.url,
          REDIS_PREFIX: prefix,
          FLIGHTDECK_ROLE: role,
          WORKER_LOCK_MS: String(lockMs),
          // Every run's rollout watch holds a slot: with fewer, some jobs would wait instead of being in flight.
          WORKER_CONCURRENCY: String(runs),
          LOG_LEVEL: 'info',
        },
      });
      processes.push(started);
      return started;
    };
    const web = await spawn('web');
    const workerA = await spawn('worker');
    const driver = new SlackDriver({ appUrl: web.eventsUrl, signingSecret: SIGNING_SECRET, emulator: slack });

    log(`recovery (lock ${lockMs} ms): ${runs} /deploys through the web process, worker A alone`);
    const serviceOf = new Map<string, string>();
    let next = 0;
    await Promise.all(
      Array.from({ length: Math.min(DEPLOY_CONCURRENCY, runs) }, async () => {
        while (next < runs) {
          const i = next++;
          const response = await driver.slashCommand({ command: '/deploy', text: `${services[i]} v2.0.0 to production`, channelId: channels[i] as string });
          const id = /Run #(\d+): deploying/.exec(response.body)?.[1];
          if (!id) throw new Error(`/deploy ${services[i]} was not started: ${response.status} ${response.body}`);
          serviceOf.set(id, services[i] as string);
        }
      }),
    );
    // A is busy once it watches every rollout: each run's wait-rollout step holds its job while it watches.
    await waitUntil(`worker A to watch all ${runs} rollouts`, () => {
      const watched = new Set(requests.filter((r) => r.watch).map((r) => r.namespace));
      return services.every((name) => watched.has(name)) ? true : undefined;
    }, 60_000);
    const workerB = await spawn('worker');
    const doneEarly = services.filter((name) => rolloutComplete(k8s.getDeployment(name, name)));
    if (doneEarly.length > 0) throw new Error(`${doneEarly.length} rollouts ended before the kill; raise --recovery-ready-delay`);

    const store = new RunStore(redis.client, prefix);
    const queueKey = `{${prefix}}:q:steps`;
    const ids = [...serviceOf.keys()];
    // Job ids name the run by id and uid (run-ref.ts), so they are read from the stored runs.
    const waitJobIds = new Map<string, string>();
    for (const id of ids) {
      const run = await store.get(id);
      if (!run) throw new Error(`run ${id} is not stored`);
      waitJobIds.set(id, stepJobId(run, WAIT_ITEM));
    }
    const jobOf = (id: string) => waitJobIds.get(id) as string;
    const lockPipeline = redis.client.pipeline();
    for (const id of ids) lockPipeline.pttl(`${queueKey}:${jobOf(id)}:lock`);
    const ttls = ((await lockPipeline.exec()) ?? []).map(([, ttl]) => Number(ttl));
    const killedAt = Date.now();
    log(`recovery (lock ${lockMs} ms): SIGKILL worker A (pid ${workerA.child.pid}) with ${runs} rollout watches open`);
    await workerA.stop('SIGKILL');
    // A killed child keeps exitCode null (it has a signalCode), so stop() would wait for an exit that has happened.
    processes.splice(processes.indexOf(workerA), 1);

    const deadline = killedAt + 2 * lockMs + options.readyDelayMs + 60_000;
    const rolloutDoneAt = new Map<string, number>();
    const endedAt = new Map<string, number>();
    const states: Record<string, number> = {};
    const stallChecks = new Set<number>();
    // On a timer of its own: the loop below awaits Redis for every run, which on a busy machine takes far longer.
    const rolloutPoll = setInterval(() => {
      for (const name of services) if (!rolloutDoneAt.has(name) && rolloutComplete(k8s.getDeployment(name, name))) rolloutDoneAt.set(name, Date.now());
    }, ROLLOUT_POLL_MS);
    cleanups.unshift(async () => clearInterval(rolloutPoll));
    let lastLog = Date.now();
    while (Date.now() < deadline) {
      const check = await redis.client.get(`${queueKey}:stalled-check`);
      if (check !== null && Number(check) >= killedAt) stallChecks.add(Number(check));
      for (const id of ids) {
        if (endedAt.has(id)) continue;
        const run = await store.get(id);
        if (run && isTerminal(run.state)) {
          endedAt.set(id, run.endedAt ?? Date.now());
          states[run.state] = (states[run.state] ?? 0) + 1;
        }
      }
      if (endedAt.size === runs && rolloutDoneAt.size === runs) break;
      if (Date.now() - lastLog > 10_000) {
        lastLog = Date.now();
        log(`recovery (lock ${lockMs} ms): ${endedAt.size} of ${runs} runs ended ${Math.round((Date.now() - killedAt) / 1000)} s after the kill`);
      }
      await sleep(100);
    }
    const windowMs = Date.now() - killedAt;
    clearInterval(rolloutPoll);
    const events = await readJobEvents(redis.client, `${queueKey}:events`, killedAt);
    const after = requests.filter((r) => r.at >= killedAt);
    const firstRequest = new Map<string, number>();
    for (const r of after) if (r.namespace && !firstRequest.has(r.namespace)) firstRequest.set(r.namespace, r.at);
    const since = (at: number | undefined) => (at === undefined ? undefined : at - killedAt);
    const per = (pick: (id: string, service: string) => number | undefined) =>
      latencyStats(ids.map((id) => pick(id, serviceOf.get(id) as string)).filter((v): v is number => v !== undefined));
    const checks = [...stallChecks].sort((a, b) => a - b);
    await workerB.stop();
    return {
      lockMs,
      runs,
      lockLeft: latencyStats(ttls.filter((ttl) => ttl >= 0)),
      stallCheckGapsMs: checks.slice(1).map((at, i) => at - (checks[i] as number)),
      movedToWait: per((id) => since(events.stalled.get(jobOf(id)))),
      takenByB: per((id) => since(events.active.get(jobOf(id)))),
      resumed: per((_, service) => since(firstRequest.get(service))),
      terminal: per((id) => since(endedAt.get(id))),
      rolloutDone: per((_, service) => since(rolloutDoneAt.get(service))),
      trailing: per((id, service) => {
        const ended = endedAt.get(id);
        const done = rolloutDoneAt.get(service);
        return ended === undefined || done === undefined ? undefined : ended - done;
      }),
      states,
      notResumed: ids.filter((id) => !firstRequest.has(serviceOf.get(id) as string)),
      notTerminal: ids.filter((id) => !endedAt.has(id)),
      patchesAfterKill: after.filter((r) => r.method === 'PATCH').length,
      windowMs,
    };
  } finally {
    for (const cleanup of cleanups) await cleanup().catch((err: unknown) => log(`cleanup failed: ${String(err)}`));
  }
}
