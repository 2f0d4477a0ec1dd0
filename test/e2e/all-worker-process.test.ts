import { mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startKubernetesEmulator, type KubernetesEmulator } from '../../sandbox/kubernetes/index.js';
import { SlackDriver, startSlackEmulator, type SlackEmulator } from '../../sandbox/slack/index.js';
import { startFlightdeckProcess, type FlightdeckProcess } from '../support/flightdeck-process.js';
import { waitUntil } from '../support/wait-until.js';
import { E2E_CATALOG, E2E_CHECKLIST } from './fixtures.js';

/*
 * Role `all` answers Slack in its own process and runs the workers in a child it supervises (issue 16): the
 * child's work shows in the parent's /metrics, a child that dies is restarted while /readyz says so, and a
 * SIGTERM stops both, the parent exiting 0 because the child did.
 */

const SIGNING_SECRET = 'all-worker-process-secret';
const CHANNEL = 'C0DEPLOY';

let slack: SlackEmulator;
let k8s: KubernetesEmulator;
let redis: Redis;
let flightdeck: FlightdeckProcess;

/** The pids the supervisor logged as started workers, in order. */
const workerPids = (output: string) =>
  output
    .split('\n')
    .filter((line) => line.includes('"msg":"worker process started"'))
    .map((line) => (JSON.parse(line) as { pid: number }).pid);

const readyz = async () => {
  const response = await fetch(`${flightdeck.url}/readyz`);
  return { status: response.status, body: (await response.json()) as { ready: boolean; checks: Record<string, string> } };
};

/** The niceness of every thread of `pid` (field 19 of `/proc/<pid>/task/<tid>/stat`, after the parenthesised name). */
const threadNiceness = (pid: number) =>
  readdirSync(`/proc/${pid}/task`).map((tid) => {
    const stat = readFileSync(`/proc/${pid}/task/${tid}/stat`, 'utf8');
    return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[16]);
  });

const isAlive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

beforeAll(async () => {
  slack = await startSlackEmulator({ channels: [CHANNEL] });
  k8s = await startKubernetesEmulator();
  k8s.seedDeployment({ namespace: 'shop', name: 'api', container: 'api', image: 'registry.example.com/acme/api:v1.0.0', replicas: 1 });
  const kubeconfig = join(mkdtempSync(join(tmpdir(), 'flightdeck-kube-')), 'kubeconfig');
  k8s.writeKubeconfig(kubeconfig, 'emulator');
  redis = new Redis({ host: '127.0.0.1', port: 6379, maxRetriesPerRequest: null });
  flightdeck = await startFlightdeckProcess({
    slackApiUrl: slack.apiUrl,
    botToken: slack.token,
    signingSecret: SIGNING_SECRET,
    kubeconfigPath: kubeconfig,
    catalog: E2E_CATALOG,
    checklists: { release: E2E_CHECKLIST },
    env: { FLIGHTDECK_ROLE: 'all' },
  });
});

afterAll(async () => {
  await flightdeck?.stop('SIGKILL');
  const keys = flightdeck ? await redis.keys(`{${flightdeck.redisPrefix}}*`) : [];
  if (keys.length > 0) await redis.del(...keys);
  redis?.disconnect();
  await slack?.close();
  await k8s?.close();
});

describe('FLIGHTDECK_ROLE=all', () => {
  it('runs the workers in a child process whose work shows in the parent’s /metrics and /readyz', async () => {
    const ready = await waitUntil('/readyz to report the worker process up', async () => {
      const answer = await readyz();
      return answer.status === 200 ? answer.body : undefined;
    }, 60_000);
    expect(ready.checks).toMatchObject({ redis: 'ok', worker: 'ok', 'cluster:emulator': 'ok' });
    const [pid] = workerPids(flightdeck.output());
    expect(pid).not.toBe(flightdeck.child.pid);
    // Every thread of the worker runs 10 nice levels below the process that answers Slack.
    const answering = new Set(threadNiceness(flightdeck.child.pid!));
    expect(answering.size).toBe(1);
    const base = [...answering][0]!;
    const worker = threadNiceness(pid!);
    expect(worker.length).toBeGreaterThan(1);
    expect(new Set(worker)).toEqual(new Set([Math.min(19, base + 10)]));

    const driver = new SlackDriver({ appUrl: flightdeck.eventsUrl, signingSecret: SIGNING_SECRET, emulator: slack });
    const response = await driver.slashCommand({ command: '/deploy', text: 'api v2.0.0 to production', userId: 'U0ALICE', channelId: CHANNEL });
    expect(JSON.stringify(response.json ?? response.body)).toMatch(/Run #\d+/);
    // Only a worker takes jobs and renders, and the only worker is the child: its queue wait (the run message's render,
    // queue="render") reaches the parent's scrape.
    await slack.waitFor((state) => state.messages(CHANNEL)[0], 30_000, 'the run message the worker posts');
    const metrics = await waitUntil('the worker’s queue wait in the parent’s /metrics', async () => {
      const text = await (await fetch(`${flightdeck.url}/metrics`)).text();
      return /^flightdeck_queue_wait_seconds_count\{queue="[^"]+"\} [1-9]/m.test(text) ? text : undefined;
    });
    // The parent's own families are still there, once each.
    expect(metrics.match(/^# TYPE flightdeck_slack_ack_seconds histogram$/gm)).toHaveLength(1);
    expect(metrics.match(/^# TYPE nodejs_eventloop_lag_p99_seconds gauge$/gm)).toHaveLength(1);
    expect(metrics).toMatch(/^flightdeck_slack_ack_seconds_count [1-9]/m);
    // The child's stall count (0 per queue from its start: nobody died) and each process's event-loop delay under its role.
    expect(metrics).toMatch(/^flightdeck_jobs_stalled_total\{queue="steps"\} 0$/m);
    expect(metrics).toMatch(/^flightdeck_event_loop_delay_max_seconds\{role="web"\} \d/m);
    expect(metrics).toMatch(/^flightdeck_event_loop_delay_max_seconds\{role="worker"\} \d/m);
  }, 120_000);

  it('restarts a worker process that died, and is not ready until it is back', async () => {
    const [pid] = workerPids(flightdeck.output());
    process.kill(pid!, 'SIGKILL');
    const down = await waitUntil('/readyz to report the worker down', async () => {
      const answer = await readyz();
      return answer.status === 503 ? answer.body : undefined;
    });
    expect(down.checks.worker).toMatch(/^(exited with SIGKILL; restarting in \d+ ms|starting)$/);
    expect(down.checks.redis).toBe('ok');
    await waitUntil('a second worker process', () => (workerPids(flightdeck.output()).length === 2 ? true : undefined), 60_000);
    expect(flightdeck.output()).toContain('"msg":"worker process exited unexpectedly; restarting it"');
    await waitUntil('/readyz to report ready again', async () => ((await readyz()).status === 200 ? true : undefined), 30_000);
  }, 120_000);

  it('stops both processes on SIGTERM and exits 0 because the worker did', async () => {
    const pids = workerPids(flightdeck.output());
    const code = await flightdeck.stop('SIGTERM');
    expect(code, flightdeck.output()).toBe(0);
    // One "stopped" from the worker process, one from its supervisor.
    expect(flightdeck.output().match(/"msg":"stopped"/g)).toHaveLength(2);
    expect(flightdeck.output()).not.toContain('did not stop cleanly');
    expect(isAlive(pids.at(-1)!)).toBe(false);
  }, 60_000);
});
