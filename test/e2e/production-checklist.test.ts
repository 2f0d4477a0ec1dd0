import { readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stepJobName } from '../../src/queue/steps/step-job-name.js';
import type { Run } from '../../src/run/core/run-schema.js';
import type { KObject, KubernetesEmulator } from '../../sandbox/kubernetes/index.js';
import { startPrometheusEmulator, type PrometheusEmulator } from '../../sandbox/prometheus/index.js';
import type { SlackEmulator } from '../../sandbox/slack/index.js';
import { driveProduction, itemOf, PRODUCTION_ROLES, PRODUCTION_USERS, queriesOf, TICKERS, type ProductionDriver } from '../support/production-checklist-driver.js';
import { startE2eWorld, type E2eWorld } from '../support/start-e2e-world.js';
import { waitForRunState } from '../support/wait-for-run-state.js';
import { waitUntil } from '../support/wait-until.js';
import { shownText } from '../support/shown-text.js';

/**
 * The shipped production checklist (blue-green), unedited, against the emulators with the chart's RBAC
 * enforced (the world's default worker identity). Only documented overrides make it fit a test:
 * CHECKLIST_DURATION_CAP shortens the bake, the scale-down delay, guard windows, the day-after watch and
 * follow-ups to a second, and PROBE_CONNECT_TO sends the probes' in-cluster Service URLs to a local health
 * endpoint, as `kubectl port-forward` would. The cluster holds what the checklist's header asks for: the
 * `database` Secret, the `database-backups` claim, and the active and preview Services.
 */
const PRODUCTION = readFileSync(resolve(import.meta.dirname, '../../checklists/production.yaml'), 'utf8');
const CHANNEL = 'C0PROD';
const NS = 'shop';
const REPO = 'registry.example.com/acme/api';
const PG_TOOLS = 'registry.example.com/platform/pg-tools:16';
const LEDGER_REPO = 'registry.example.com/acme/ledger';
/** The shipped checklist as a team whose migration nothing can undo writes it: `irreversible: true` in place of its revert. */
const FROZEN = PRODUCTION.replace(/ {8}revert:\n(?: {10}.*\n)+/, '        irreversible: true\n').replace(/^name: production$/m, 'name: production-frozen');

const CATALOG = (prometheusUrl: string) => `
slack:
  defaultChannel: ${CHANNEL}
${PRODUCTION_ROLES}
environments:
  production:
    cluster: emulator
    checklist: production
    confirmSignoffs: true
    prometheusUrl: ${prometheusUrl}
  production-frozen:
    cluster: emulator
    checklist: production-frozen
    prometheusUrl: ${prometheusUrl}
services:
  api:
    namespace: ${NS}
    deployment: api
    container: api
    image: ${REPO}
    environments: [production]
    blueGreen: { activeService: api, previewService: api-preview }
  ledger:
    namespace: ${NS}
    deployment: ledger
    container: ledger
    image: ${LEDGER_REPO}
    environments: [production-frozen]
    blueGreen: { activeService: ledger, previewService: ledger-preview }
`;

const QUERIES = queriesOf(PRODUCTION, NS);
const HEALTHY: Record<string, number> = { 'latency-p95': 0.3, 'p95-ok': 0.3, 'p95-24h': 0.4 };
/** Phases by id, in the checklist's order. */
const PHASE = Object.fromEntries(
  ['pre-deployment', 'go-live-approval', 'database', 'preview', 'switch', 'health-validation', 'scale-down', 'post-deployment'].map((id, index) => [id, index]),
) as Record<string, number>;

let world: E2eWorld;
let slack: SlackEmulator;
let k8s: KubernetesEmulator;
let driver: ProductionDriver;
let prometheus: PrometheusEmulator;
let health: Server;
/** `method path` of every request the http probes made. */
const healthHits: string[] = [];

const selector = (name: string) => k8s.get('services', NS, name)!.spec.selector as Record<string, string>;
const imageOf = (name: string) => k8s.getDeployment(NS, name).spec.template.spec.containers[0].image as string;
const replicas = (name: string) => k8s.getDeployment(NS, name).spec.replicas as number;
const jobNamed = (name: string) => k8s.list('jobs', NS).find((job) => job.metadata.name === name);
const jobName = (run: Run, id: string, action: 'job' | 'smoke-job' = 'job') => stepJobName(run, { id, action });
/** What flightdeck asked to create in the namespace, in order and once each: `jobs/<name>`, `deployments/<name>`. */
const creations = () => [...new Set(k8s.requests.filter((r) => r.method === 'POST' && r.attributes?.namespace === NS).map((r) => `${r.attributes?.resource}/${(r.body as KObject).metadata.name}`))];
const writesSince = (count: number) => k8s.requests.filter((r) => r.method !== 'GET' && r.attributes?.namespace === NS).slice(count).map((r) => `${r.method} ${r.attributes?.resource}/${r.attributes?.name ?? ''}`);

/** Logs the migration and smoke Jobs of `run` end with. */
function scriptJobs(run: Run, migrate: { succeed: boolean }): void {
  const logs = migrate.succeed ? ['INFO  [alembic.runtime.migration] Running upgrade 41ab5c -> 52cd6e, add tasks.priority', '52cd6e (head)'] : ['ERROR column "priority" of relation "tasks" already exists'];
  k8s.jobOutcome({ name: jobName(run, 'migrate') }, { ...migrate, logs, ...(migrate.succeed ? {} : { exitCode: 1 }) });
  k8s.jobOutcome({ name: jobName(run, 'smoke-test', 'smoke-job') }, { succeed: true, logs: ['create: ok', 'read: ok', 'update: ok', 'delete: ok', 'isolation: ok'] });
}

beforeAll(async () => {
  prometheus = await startPrometheusEmulator();
  for (const [id, query] of Object.entries(QUERIES)) prometheus.setQueryResult(query, HEALTHY[id] ?? 0.001);
  health = createServer((req, res) => {
    healthHits.push(`${req.method} ${req.url}`);
    res.writeHead(req.url === '/health' ? 200 : 404, { 'content-type': 'application/json' }).end('{"status":"healthy","database":"connected"}');
  });
  await new Promise<void>((ready) => health.listen(0, '127.0.0.1', () => ready()));
  world = await startE2eWorld({
    mode: 'http',
    catalog: CATALOG(prometheus.url),
    checklists: { production: PRODUCTION, 'production-frozen': FROZEN },
    slack: { channels: [CHANNEL], users: PRODUCTION_USERS },
    kubernetes: { readyDelayMs: 100 },
    env: {
      CHECKLIST_DURATION_CAP: '1s',
      PROBE_CONNECT_TO: `*.svc.cluster.local:80=127.0.0.1:${(health.address() as AddressInfo).port}`,
    },
    beforeStart: ({ k8s: cluster }) => {
      for (const app of ['api', 'ledger']) {
        cluster.seedDeployment({ namespace: NS, name: app, container: app, image: `${app === 'api' ? REPO : LEDGER_REPO}:v1`, replicas: 2 });
        for (const name of [app, `${app}-preview`]) {
          cluster.create('services', NS, { apiVersion: 'v1', kind: 'Service', metadata: { name }, spec: { selector: { app }, ports: [{ port: 80, targetPort: 8080 }] } });
        }
      }
      const url = Buffer.from('postgresql://api:s3cret@db.shop:5432/api').toString('base64');
      cluster.create('secrets', NS, { apiVersion: 'v1', kind: 'Secret', metadata: { name: 'database' }, data: { url } });
      cluster.create('persistentvolumeclaims', NS, { apiVersion: 'v1', kind: 'PersistentVolumeClaim', metadata: { name: 'database-backups' }, spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '10Gi' } } } });
      cluster.jobOutcome({ image: PG_TOOLS }, { succeed: true, logs: ['revision 41ab5c, 52817 bytes in the dump'] });
    },
  });
  ({ slack, k8s } = world);
  driver = driveProduction(world, CHANNEL);
}, 120_000);

afterAll(async () => {
  // Any request the chart's Role does not allow fails the file, wherever it happened.
  const denied = world?.k8s.requests.filter((r) => r.denied).map((r) => `${r.method} ${r.path}`);
  expect(await world?.stop()).toBe(0);
  await prometheus?.close();
  await new Promise((closed) => health?.close(closed));
  expect(denied).toEqual([]);
});

describe('checklists/production.yaml, run for real under the chart RBAC', () => {
  it('backs up, migrates, previews, smoke-tests, switches, validates and scales down, then follows up', async () => {
    const run = await driver.deploy('api', 'v2');
    scriptJobs(run, { succeed: true });
    expect(itemOf(run, 'current-healthy').state).not.toBe('failed');
    await driver.clearTheGates(run);

    // Switched, the old version still scaled while people judge the new one at full traffic.
    const validating = await driver.phaseReaches(run, PHASE['health-validation']!, 'active');
    expect(selector('api')).toEqual({ app: 'api', track: 'preview' });
    expect({ old: imageOf('api'), oldReplicas: replicas('api'), preview: imageOf('api-preview'), previewReplicas: replicas('api-preview') }).toEqual({
      old: `${REPO}:v1`,
      oldReplicas: 2,
      preview: `${REPO}:v2`,
      previewReplicas: 2,
    });
    const ts = validating.messageTs!;
    for (const itemId of ['dashboards-green', 'business-metrics']) await driver.press(TICKERS[itemId]!, `item.tick.${itemId}`, ts);
    await driver.phaseReaches(run, PHASE['post-deployment']!, 'active');
    await driver.press(TICKERS.announce!, 'item.tick.announce', ts);
    const done = await waitForRunState(world.store, run.id, ['succeeded', 'failed', 'error', 'rolled-back', 'rollback-failed'], 60_000);
    expect(done.state, JSON.stringify(done.reason)).toBe('succeeded');
    expect(done.phases.slice(0, PHASE['post-deployment']! + 1).flatMap((phase) => phase.items.map((item) => `${item.id}:${item.state}`)).filter((s) => !s.endsWith(':done'))).toEqual([]);
    // The day-after watch (24 h, capped to a second) began at success and ended by itself, nothing breached.
    const watched = await waitUntil('the day-after watch to end', async () => {
      const current = (await world.store.get(run.id))!;
      return current.watch?.end ? current : undefined;
    }, 30_000);
    expect(watched.watch).toMatchObject({ startedAt: expect.any(Number), end: { kind: 'expired' } });
    expect(watched.breaches).toEqual([]);

    // The backup before the migration, the migration before anything of the new version runs.
    const [backup, migrate, smoke] = [jobName(run, 'backup'), jobName(run, 'migrate'), jobName(run, 'smoke-test', 'smoke-job')];
    expect(creations()).toEqual([`jobs/${backup}`, `jobs/${migrate}`, 'deployments/api-preview', `jobs/${smoke}`]);
    const database = { name: 'DATABASE_URL', valueFrom: { secretKeyRef: { name: 'database', key: 'url' } } };
    const backupPod = jobNamed(backup)!.spec.template.spec;
    expect(backupPod.containers[0]).toMatchObject({ image: PG_TOOLS, volumeMounts: [{ name: 'backups', mountPath: '/backups' }] });
    expect(backupPod.containers[0].env).toContainEqual(database);
    expect(backupPod.volumes).toEqual([{ name: 'backups', persistentVolumeClaim: { claimName: 'database-backups' } }]);
    const [shell, flags, script] = backupPod.containers[0].command as string[];
    expect([shell, flags]).toEqual(['sh', '-ec']);
    expect(script).toContain(`f=/backups/api-run${run.id}-before-v2;`);
    expect(script).toContain(`psql "$DATABASE_URL" --no-psqlrc -Atc 'SELECT version_num FROM alembic_version' > "$f.alembic-revision";`);
    expect(script).toContain('pg_dump --format=custom --file="$f.dump" "$DATABASE_URL";');
    expect(jobNamed(backup)!.spec.activeDeadlineSeconds).toBeLessThanOrEqual(30 * 60);
    const migratePod = jobNamed(migrate)!.spec.template.spec;
    expect(migratePod.containers[0]).toMatchObject({ image: `${REPO}:v2`, command: ['sh', '-ec', 'alembic upgrade head && alembic current'], volumeMounts: [{ name: 'tmp', mountPath: '/tmp' }] });
    expect(migratePod.containers[0].env).toContainEqual(database);
    expect(itemOf(done, 'migrate')).toMatchObject({ outcome: { status: 'succeeded', exitCode: 0, logTail: expect.arrayContaining(['52cd6e (head)']) } });
    expect(jobNamed(smoke)!.spec.template.spec.containers[0].env).toContainEqual({ name: 'TARGET_URL', value: `http://api-preview.${NS}.svc.cluster.local` });

    // Promoted: the Deployment runs v2, the preview is gone, the active Service has its own selector back.
    expect(imageOf('api')).toBe(`${REPO}:v2`);
    expect(replicas('api-preview')).toBe(0);
    expect(selector('api')).toEqual({ app: 'api' });
    // The preview was checked through its own Service before the switch, the active one after the scale-down.
    expect(itemOf(done, 'preview-healthy')).toMatchObject({ state: 'done', probe: { url: `http://api-preview.${NS}.svc.cluster.local/health` } });
    expect(itemOf(done, 'health-endpoint')).toMatchObject({ state: 'done', probe: { url: `http://api.${NS}.svc.cluster.local/health` } });
    expect(healthHits).toContain('GET /health');

    // Follow-ups, capped to a second each, come as reminders in the run's thread.
    const followUps = done.phases.slice(PHASE['post-deployment']! + 1);
    expect(followUps.map((phase) => phase.title)).toEqual(['One hour after', 'One day after', 'One week after']);
    for (const phase of followUps) {
      const reminder = await slack.waitFor((state) => state.thread(CHANNEL, ts).find((reply) => reply.text === `Follow-up "${phase.title}" for run #${run.id} is due`), 20_000, `the "${phase.title}" reminder`);
      for (const item of phase.items.filter((candidate) => candidate.kind === 'manual')) await driver.press(TICKERS[item.id]!, `item.tick.${item.id}`, reminder.ts);
    }
    const followedUp = await waitUntil('every follow-up done', async () => {
      const current = (await world.store.get(run.id))!;
      return current.phases.slice(PHASE['post-deployment']! + 1).every((phase) => phase.state === 'done') ? current : undefined;
    }, 30_000);
    expect(['error-rate-1h', 'error-rate-24h', 'p95-24h'].map((id) => itemOf(followedUp, id).state)).toEqual(['done', 'done', 'done']);
    // Every check and guard query of the checklist reached Prometheus.
    const measured = Object.values(QUERIES).filter((query) => prometheus.queries.some((q) => q.query === query));
    expect(measured).toHaveLength(Object.keys(QUERIES).length);
  }, 180_000);

  it('a guard breaching at full traffic switches back to the old version, which never stopped, and retires the preview', async () => {
    const run = await driver.deploy('api', 'v3');
    scriptJobs(run, { succeed: true });
    await driver.clearTheGates(run);
    await driver.phaseReaches(run, PHASE['health-validation']!, 'active');
    expect(selector('api')).toEqual({ app: 'api', track: 'preview' });
    expect([imageOf('api'), replicas('api')]).toEqual([`${REPO}:v2`, 2]);
    const before = k8s.requests.filter((r) => r.method !== 'GET' && r.attributes?.namespace === NS).length;

    prometheus.setQueryResult(QUERIES['error-rate']!, 0.2);
    const undone = await waitForRunState(world.store, run.id, ['rolled-back', 'rollback-failed', 'error', 'succeeded'], 60_000);
    prometheus.setQueryResult(QUERIES['error-rate']!, 0.001);
    expect(undone.state, JSON.stringify(undone.reason)).toBe('rolled-back');
    expect(undone.breaches).toMatchObject([{ guardId: 'error-rate', action: 'rollback' }]);
    const rollback = (await world.store.get(undone.rollbackRunId!))!;
    expect(rollback.phases[0]!.items.map((step) => `${step.id}:${step.state}`)).toEqual(['switch-back:done', 'retire-preview:done', 'revert-migrate:done', 'rollback:done', 'wait-rollout:done']);
    // The first write after the breach sends traffic back; the preview goes after (the active Service gets its
    // own selector back), then the migration is undone.
    expect(writesSince(before).slice(0, 4)).toEqual(['PATCH services/api', 'PATCH deployments/api-preview', 'PATCH services/api', 'POST jobs/']);
    const revert = jobNamed(jobName(rollback, 'revert-migrate'))!.spec.template.spec;
    expect(revert.containers[0].image).toBe(`${REPO}:v3`);
    expect(revert.containers[0].command.join(' ')).toContain(`cat /backups/api-run${run.id}-before-v3.alembic-revision`);
    expect(revert.containers[0].command.join(' ')).toMatch(/alembic downgrade "\$\{rev:-base\}"/);
    expect(revert.containers[0].volumeMounts).toContainEqual({ name: 'backups', mountPath: '/backups', readOnly: true });
    expect(revert.volumes).toContainEqual({ name: 'backups', persistentVolumeClaim: { claimName: 'database-backups', readOnly: true } });
    expect(selector('api')).toEqual({ app: 'api' });
    expect([imageOf('api'), replicas('api'), replicas('api-preview')]).toEqual([`${REPO}:v2`, 2, 0]);
    expect(itemOf(undone, 'retire-old').state).toBe('pending');
    // The database Jobs ran before the preview; the migration was reverted once the old version had the traffic back.
    expect(['backup', 'migrate'].map((id) => itemOf(undone, id).state)).toEqual(['done', 'done']);
  }, 180_000);

  it('a failed migration is reverted to the revision the backup recorded, before anything of the new version runs', async () => {
    const before = k8s.requests.filter((r) => r.method !== 'GET' && r.attributes?.namespace === NS).length;
    const run = await driver.deploy('api', 'v4');
    scriptJobs(run, { succeed: false });
    await driver.clearTheGates(run);
    const undone = await waitForRunState(world.store, run.id, ['rolled-back', 'rollback-failed', 'error', 'succeeded'], 60_000);
    expect(undone.state, JSON.stringify(undone.reason)).toBe('rolled-back');
    expect(itemOf(undone, 'migrate')).toMatchObject({ state: 'failed', outcome: { status: 'failed', exitCode: 1, logTail: ['ERROR column "priority" of relation "tasks" already exists'] } });
    expect(itemOf(undone, 'start-preview').state).not.toBe('done');
    // Only the migration is undone: the image never served, so no revision is restored over the one before.
    const rollback = (await world.store.get(undone.rollbackRunId!))!;
    expect(rollback.phases[0]!.items.map((step) => `${step.id}:${step.state}`)).toEqual(['revert-migrate:done']);
    expect([imageOf('api'), selector('api')]).toEqual([`${REPO}:v2`, { app: 'api' }]);
    // The run's only writes were its two Jobs and the revert: no preview, no Service pinned, no Deployment patched.
    expect(writesSince(before)).toEqual(['POST jobs/', 'POST jobs/', 'POST jobs/']);
    expect(jobNamed(jobName(rollback, 'revert-migrate'))!.spec.template.spec.containers[0].command.join(' ')).toContain(`api-run${run.id}-before-v4.alembic-revision`);
  }, 180_000);

  it('a migration nothing can undo holds on a breach: traffic back on the old pods, the image kept, the target locked', async () => {
    const run = await driver.deploy('ledger', 'v2', 'production-frozen');
    k8s.jobOutcome({ name: jobName(run, 'smoke-test', 'smoke-job') }, { succeed: true, logs: ['smoke: ok'] });
    expect(JSON.stringify(slack.message(CHANNEL, run.messageTs!)?.blocks)).toContain('Cannot be undone: *Migrate the database to v2*');
    await driver.clearTheGates(run);
    await driver.phaseReaches(run, PHASE['health-validation']!, 'active');
    expect(selector('ledger')).toEqual({ app: 'ledger', track: 'preview' });

    prometheus.setQueryResult(QUERIES['error-rate']!, 0.2);
    const held = await waitForRunState(world.store, run.id, ['failed', 'rolling-back', 'rolled-back', 'error'], 60_000);
    expect(held.state, JSON.stringify(held.reason)).toBe('failed');
    await waitUntil('traffic back on the old pods', () => (selector('ledger').track === undefined ? true : undefined));
    prometheus.setQueryResult(QUERIES['error-rate']!, 0.001);
    expect((await world.store.get(run.id))!.rollbackRunId).toBeUndefined();
    expect([imageOf('ledger'), replicas('ledger')]).toEqual([`${LEDGER_REPO}:v1`, 2]);
    expect(imageOf('ledger-preview')).toBe(`${LEDGER_REPO}:v2`);
    expect((await world.store.audit(run.id)).map((entry) => entry.action)).toContain('rollback.held');
    expect(await world.store.lockValue('ledger', 'production-frozen')).toContain('cannot be undone');
    // The reply takes its turn in the channel behind the writes this file's other runs still have queued there, 1.1 s
    // apart: about 17 s after the hold here, past 30 s once in CI.
    await waitUntil('the hold in the thread', () => slack.thread(CHANNEL, run.messageTs!).find((reply) => shownText(reply).includes('is *held*, not rolled back')), 90_000);
  }, 180_000);
});
