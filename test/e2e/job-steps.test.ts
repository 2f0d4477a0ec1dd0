import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunStepOf } from '../../src/run/core/run-item-schema.js';
import type { Run } from '../../src/run/core/run-schema.js';
import type { RunStore } from '../../src/run/store/run-store.js';
import type { KubernetesEmulator } from '../../sandbox/kubernetes/index.js';
import type { SlackDriver, SlackEmulator } from '../../sandbox/slack/index.js';
import { startFlightdeckProcess, type FlightdeckProcess } from '../support/flightdeck-process.js';
import { replyText } from '../support/reply-text.js';
import { runIdIn } from '../support/run-id-in.js';
import { startE2eWorld, type E2eWorld } from '../support/start-e2e-world.js';
import { waitForRunState } from '../support/wait-for-run-state.js';
import { waitUntil } from '../support/wait-until.js';
import { shownText } from '../support/shown-text.js';

const SIGNING_SECRET = 'e2e-job-steps-secret';
const CHANNEL = 'C0JOBS';
const REGISTRY = 'registry.example.com/acme';

/** One service per scenario, each in its own environment whose checklist holds the scenario's Job. */
const SCENARIOS = { orders: 'migrate', billing: 'broken', ledger: 'tolerant', search: 'slow' } as const;

const CATALOG = `
slack:
  defaultChannel: ${CHANNEL}
environments:
${Object.values(SCENARIOS).map((env) => `  ${env}: { cluster: emulator, checklist: ${env} }`).join('\n')}
services:
${Object.entries(SCENARIOS).map(([service, env]) => `  ${service}: { namespace: shop, deployment: ${service}, container: ${service}, image: ${REGISTRY}/${service}, environments: [${env}] }`).join('\n')}
`;

const checklist = (name: string, job: string) => `
name: ${name}
phases:
  - id: rollout
    title: Rollout
    items:
      - { id: set-image, kind: step, action: set-image }
      - { id: wait, kind: step, action: wait-rollout, timeout: 30s }
${job}
`;

/** The release image (no `image:`), a Secret key and a ConfigMap as env, a Secret volume, a scratch emptyDir and a claim. */
const MIGRATE = checklist('migrate', `
      - id: migrate
        kind: step
        action: job
        title: Migrate the database
        command: [alembic, upgrade, head]
        env:
          TARGET: "{{version}}"
          DB_PASSWORD: { secretKeyRef: { name: orders-db, key: password } }
        envFrom:
          - configMapRef: { name: orders-config }
        volumes:
          - { name: creds, secret: { secretName: orders-db } }
          - { name: scratch, emptyDir: {} }
          - { name: backups, persistentVolumeClaim: { claimName: orders-backups } }
        volumeMounts:
          - { name: creds, mountPath: /etc/db, readOnly: true }
          - { name: scratch, mountPath: /tmp }
          - { name: backups, mountPath: /backups }
        deadline: 60s
        backoffLimit: 1
`);
const BROKEN = checklist('broken', `
      - { id: migrate, kind: step, action: job, image: ${REGISTRY}/migrate:broken, command: [alembic, upgrade, head], deadline: 60s }
`);
const TOLERANT = checklist('tolerant', `
      - { id: report, kind: step, action: job, image: ${REGISTRY}/migrate:broken, command: [report], onFailure: continue, deadline: 60s }
`);
const SLOW = checklist('slow', `
      - { id: backup, kind: step, action: job, image: ${REGISTRY}/backup:1, command: [pg_dump], deadline: 60s }
`);

/** A failed migration's log: far more than a reply holds, so only the file has all of it. */
const BROKEN_LOG = Array.from({ length: 300 }, (_, i) => `INFO  [alembic.runtime.migration] step ${i + 1} of 300: rewriting table orders_${i}`).concat(['ERROR column "total" cannot be cast automatically']);
/** Written over the backup's 10 s: some of it reaches the thread before the worker is killed, the rest after. */
const BACKUP_LOG = Array.from({ length: 8 }, (_, i) => `dumped table ${i + 1} of 8`);

let world: E2eWorld;
let slack: SlackEmulator;
let k8s: KubernetesEmulator;
let driver: SlackDriver;
let store: RunStore;
let replacement: FlightdeckProcess | undefined;
let killed = false;

async function deploy(service: keyof typeof SCENARIOS): Promise<string> {
  const response = await driver.slashCommand({ command: '/deploy', text: `${service} v2 to ${SCENARIOS[service]}`, userId: 'U0ALICE', channelId: CHANNEL });
  return runIdIn(replyText(response));
}

const jobItem = (run: Run, id: string) => run.phases.flatMap((phase) => phase.items).find((item) => item.id === id) as RunStepOf<'job'>;
const jobsOf = (service: string) => k8s.list('jobs', 'shop').filter((job) => String(job.metadata.name).startsWith(`${service}-job-`));

/**
 * The run's thread once it holds `marker`; read afresh, since Slack pacing (one write per channel every 1.1 s,
 * shared by every run here) may post replies well after the run ended.
 */
function threadOnce(id: string, marker: string | RegExp): Promise<string> {
  return waitUntil(`${String(marker)} in the thread of run ${id}`, async () => {
    const ts = (await store.get(id))?.messageTs ?? '';
    const text = slack.thread(CHANNEL, ts).map(shownText).join('\n');
    return (typeof marker === 'string' ? text.includes(marker) : marker.test(text)) ? text : undefined;
  }, 60_000);
}

/** The Job log file in the run's thread, once uploaded. */
function logFileOnce(id: string) {
  return waitUntil(`the Job log file in the thread of run ${id}`, async () => {
    const ts = (await store.get(id))?.messageTs ?? '';
    return slack.files.find((file) => file.threadTs === ts && file.title.startsWith('Log of job'));
  }, 60_000);
}

describe('job steps', () => {
  beforeAll(async () => {
    world = await startE2eWorld({
      mode: 'http',
      catalog: CATALOG,
      checklists: { migrate: MIGRATE, broken: BROKEN, tolerant: TOLERANT, slow: SLOW },
      signingSecret: SIGNING_SECRET,
      kubernetes: { readyDelayMs: 100 },
      slack: { channels: [CHANNEL] },
      deployments: Object.keys(SCENARIOS).map((service) => ({ namespace: 'shop', name: service, container: service, image: `${REGISTRY}/${service}:v1`, replicas: 1 })),
      // A short job lock, so the replacement of a killed worker takes its step over within seconds.
      env: { WORKER_LOCK_MS: '1500' },
      beforeStart: ({ k8s: emu }) => {
        emu.create('secrets', 'shop', { apiVersion: 'v1', kind: 'Secret', metadata: { name: 'orders-db' }, data: { password: Buffer.from('s3cret').toString('base64') } });
        emu.create('persistentvolumeclaims', 'shop', { apiVersion: 'v1', kind: 'PersistentVolumeClaim', metadata: { name: 'orders-backups' }, spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '1Gi' } } } });
        emu.create('configmaps', 'shop', { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'orders-config' }, data: { LOG_LEVEL: 'info' } });
        emu.jobOutcome({ image: `${REGISTRY}/orders:v2` }, { succeed: true, logs: ['INFO  Running upgrade 41 -> 42', 'migrated to 42'] });
        emu.jobOutcome({ image: `${REGISTRY}/migrate:broken` }, { succeed: false, exitCode: 2, logs: BROKEN_LOG });
        emu.jobOutcome({ image: `${REGISTRY}/backup:1` }, { succeed: true, logs: BACKUP_LOG, runMs: 10_000 });
      },
    });
    ({ slack, k8s, driver, store } = world);
  });

  afterAll(async () => {
    expect(await replacement?.stop()).toBe(replacement ? 0 : undefined);
    // The first process was SIGKILLed when the kill scenario ran: it has no exit code.
    expect(await world?.stop()).toBe(killed ? null : 0);
  });

  it('runs a Job with a Secret key in its env and Secret, emptyDir and claim volumes, shows its last log lines and records its outcome', async () => {
    const id = await deploy('orders');
    const run = await waitForRunState(store, id, ['succeeded', 'failed', 'error', 'rolled-back', 'rollback-failed']);
    expect(run.state, JSON.stringify(run.reason)).toBe('succeeded');

    const [job] = jobsOf('orders');
    expect(jobsOf('orders')).toHaveLength(1);
    expect(job!.spec).toMatchObject({ backoffLimit: 1, activeDeadlineSeconds: expect.any(Number), ttlSecondsAfterFinished: 3600 });
    expect(job!.spec.activeDeadlineSeconds).toBeLessThanOrEqual(60);
    const pod = job!.spec.template.spec;
    expect(pod.containers[0]).toMatchObject({
      image: `${REGISTRY}/orders:v2`,
      command: ['alembic', 'upgrade', 'head'],
      envFrom: [{ configMapRef: { name: 'orders-config' } }],
      volumeMounts: [{ name: 'creds', mountPath: '/etc/db', readOnly: true }, { name: 'scratch', mountPath: '/tmp' }, { name: 'backups', mountPath: '/backups' }],
    });
    expect(pod.containers[0].env).toEqual(expect.arrayContaining([{ name: 'TARGET', value: 'v2' }, { name: 'DB_PASSWORD', valueFrom: { secretKeyRef: { name: 'orders-db', key: 'password' } } }]));
    expect(pod.volumes).toEqual([{ name: 'creds', secret: { secretName: 'orders-db' } }, { name: 'scratch', emptyDir: {} }, { name: 'backups', persistentVolumeClaim: { claimName: 'orders-backups' } }]);

    expect(jobItem(run, 'migrate').outcome).toEqual({
      status: 'succeeded',
      jobName: job!.metadata.name,
      podName: expect.stringMatching(new RegExp(`^${job!.metadata.name}-`)),
      exitCode: 0,
      message: 'Reached expected number of succeeded pods',
      logTail: ['INFO  Running upgrade 41 -> 42', 'migrated to 42'],
    });
    const thread = await threadOnce(id, 'migrated to 42');
    // Read once more when the Job ended: its whole (short) log is in the thread, numbered.
    expect(thread).toContain(`Log of job \`${job!.metadata.name}\`, pod \`${jobItem(run, 'migrate').outcome!.podName}\`, lines 1–2 for step *Migrate the database*`);
    // The message's own blocks (not its thread replies, which the stored message carries too), once a render showed the end.
    const message = await waitUntil('the run message to show how the Job ended', async () => {
      const ts = (await store.get(id))?.messageTs;
      const text = ts ? JSON.stringify(slack.message(CHANNEL, ts)?.blocks ?? []) : '';
      return text.includes('succeeded (exit 0)') ? text : undefined;
    });
    expect(message).toContain('last lines of the log:');
    expect(message).toContain('migrated to 42');
  });

  it('a failed Job with onFailure: fail fails the run, which rolls back, with the whole log as a file in the thread', async () => {
    const id = await deploy('billing');
    const run = await waitForRunState(store, id, ['succeeded', 'rolled-back', 'rollback-failed', 'error']);
    expect(run.state, JSON.stringify(run.reason)).toBe('rolled-back');
    expect(k8s.getDeployment('shop', 'billing').spec.template.spec.containers[0].image).toBe(`${REGISTRY}/billing:v1`);
    const item = jobItem(run, 'migrate');
    expect(item.state).toBe('failed');
    expect(item.outcome).toMatchObject({ status: 'failed', exitCode: 2, message: 'Job has reached the specified backoff limit' });
    expect(item.outcome!.logTail.at(-1)).toBe('ERROR column "total" cannot be cast automatically');

    const file = await logFileOnce(id);
    expect(file.title).toBe(`Log of job ${item.outcome!.jobName}, pod ${item.outcome!.podName}, for step ${item.title} of run #${id}, which failed`);
    expect(file.name).toBe(`${item.outcome!.podName}.log`);
    // Every line of the log, in order.
    expect(file.content.toString('utf8')).toBe(BROKEN_LOG.map((line) => `${line}\n`).join(''));
    // The failure's reply quotes the last lines.
    expect(await threadOnce(id, 'cannot be cast automatically')).toContain(`Job shop/${item.outcome!.jobName} failed (exit 2)`);
   }, 60_000);

  it('a failed Job with onFailure: continue lets the run carry on to success, its failure recorded', async () => {
    const id = await deploy('ledger');
    const run = await waitForRunState(store, id, ['succeeded', 'failed', 'error', 'rolled-back', 'rollback-failed']);
    expect(run.state, JSON.stringify(run.reason)).toBe('succeeded');
    const item = jobItem(run, 'report');
    expect(item.state).toBe('done');
    expect(item.detail).toContain('carrying on (onFailure: continue)');
    expect(item.outcome).toMatchObject({ status: 'failed', exitCode: 2 });
    expect(k8s.getDeployment('shop', 'ledger').spec.template.spec.containers[0].image).toBe(`${REGISTRY}/ledger:v2`);
    const file = await logFileOnce(id);
    expect(file.content.toString('utf8')).toBe(BROKEN_LOG.map((line) => `${line}\n`).join(''));
  });

  it('a worker killed while its Job runs is replaced, and the run resumes with the same Job, streaming its log on from where it got', async () => {
    const id = await deploy('search');
    await waitUntil('the backup Job running in the cluster, part of its log in the thread', async () => {
      const run = await store.get(id);
      const item = run && jobItem(run, 'backup');
      const running = k8s.list('pods', 'shop').some((p) => String(p.metadata.name).startsWith('search-job-') && p.status.phase === 'Running');
      return item?.state === 'running' && item.logStream !== undefined && jobsOf('search').length === 1 && running ? true : undefined;
    }, 60_000);
    await world.flightdeck.stop('SIGKILL');
    killed = true;
    replacement = await startFlightdeckProcess({
      slackApiUrl: slack.apiUrl,
      botToken: slack.token,
      signingSecret: SIGNING_SECRET,
      kubeconfigPath: world.kubeconfig,
      catalog: CATALOG,
      checklists: { migrate: MIGRATE, broken: BROKEN, tolerant: TOLERANT, slow: SLOW },
      env: { REDIS_PREFIX: world.flightdeck.redisPrefix, WORKER_LOCK_MS: '1500' },
    });
    const run = await waitForRunState(store, id, ['succeeded', 'failed', 'error', 'rolled-back', 'rollback-failed'], 60_000);
    expect(run.state, JSON.stringify(run.reason)).toBe('succeeded');
    // One Job object and one pod: the replacement found the Job by its name and waited for it.
    expect(jobsOf('search')).toHaveLength(1);
    expect(k8s.list('pods', 'shop').filter((p) => String(p.metadata.name).startsWith('search-job-'))).toHaveLength(1);
    expect(jobItem(run, 'backup').detail).toContain('(reused)');
    expect(jobItem(run, 'backup').outcome).toMatchObject({ status: 'succeeded', logTail: BACKUP_LOG });
    // Each line reached the thread once, in order: the replacement streamed on from the stored offset.
    const thread = await threadOnce(id, BACKUP_LOG.at(-1)!);
    expect(BACKUP_LOG.map((line) => thread.split(line).length - 1)).toEqual(BACKUP_LOG.map(() => 1));
    expect(BACKUP_LOG.map((line) => thread.indexOf(line))).toEqual(BACKUP_LOG.map((line) => thread.indexOf(line)).sort((a, b) => a - b));
    expect(jobItem(run, 'backup').logStream).toMatchObject({ lines: BACKUP_LOG.length });
  });
});
