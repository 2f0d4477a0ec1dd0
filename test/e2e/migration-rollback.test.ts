import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dedupKeyFor } from '../../src/pagerduty/dedup-key-for.js';
import { runRef } from '../../src/run/core/run-ref.js';
import type { Run } from '../../src/run/core/run-schema.js';
import { RunStore } from '../../src/run/store/run-store.js';
import { startKubernetesEmulator, type KubernetesEmulator } from '../../sandbox/kubernetes/index.js';
import { startPagerDutyEmulator, type PagerDutyEmulator } from '../../sandbox/pagerduty/index.js';
import { startPrometheusEmulator, type PrometheusEmulator } from '../../sandbox/prometheus/index.js';
import { listButtons, SlackDriver, startSlackEmulator, type SlackEmulator } from '../../sandbox/slack/index.js';
import { startFlightdeckProcess, type FlightdeckProcess } from '../support/flightdeck-process.js';
import { waitUntil } from '../support/wait-until.js';
import { pagerDutyEnv } from '../support/pagerduty-env.js';
import { shownText } from '../support/shown-text.js';

// Migration-aware rollback, end to end: a guard breach rolls back the Jobs that ran (their reverts, last first)
// before the image, a failed revert leaves the image alone, and a run that ran a Job nothing can undo holds:
// traffic back to stable, the on-call paged with "Roll back the image anyway" and "Hold", both behind the gate.

const SIGNING_SECRET = 'migration-rollback-e2e-secret';
const CHANNEL = 'C0MIGRATE';
const NAMESPACE = 'shop';
const REGISTRY = 'registry.example.com/acme';

/** One service per scenario, each in its own environment (its checklist, its guard's query, its on-call). */
const SCENARIOS = { orders: 'PORD001', billing: 'PBIL001', ledger: 'PLED001', inventory: 'PINV001' } as const;
type Service = keyof typeof SCENARIOS;
const query = (service: Service) => `job:error_ratio{service="${service}"}`;

/** A backup, then a migration, each with its revert; then the image. */
const REVERTIBLE = (migrateRevertImage: string) => `
      - id: backup
        kind: step
        action: job
        title: Back up the database
        image: ${REGISTRY}/pg-tools:16
        command: [pg_dump, --file, "/backups/{{service}}-{{run}}.dump"]
        deadline: 30s
        revert: { command: [pg_restore, --clean, "/backups/{{service}}-{{run}}.dump"] }
      - id: migrate
        kind: step
        action: job
        title: Migrate the schema
        command: [alembic, upgrade, head]
        deadline: 30s
        revert: { image: ${migrateRevertImage}, command: [alembic, downgrade, "41"] }
      - { id: set-image, kind: step, action: set-image }
      - { id: wait, kind: step, action: wait-rollout, timeout: 30s }
`;

/** A migration nothing undoes, the image, then a canary taking a quarter of the traffic. */
const IRREVERSIBLE = `
      - { id: drop-column, kind: step, action: job, title: Drop the legacy column, command: [alembic, upgrade, head], deadline: 30s, irreversible: true }
      - { id: set-image, kind: step, action: set-image }
      - { id: wait, kind: step, action: wait-rollout, timeout: 30s }
      - { id: canary, kind: step, action: canary, replicas: 1, timeout: 30s }
      - { id: shift, kind: step, action: traffic, weight: 25 }
`;

/** The backup and the migration as above, then a Job that fails before the image changes. */
const FAILS_BEFORE_IMAGE = REVERTIBLE(`${REGISTRY}/inventory:v2`).replace(
  '      - { id: set-image',
  `      - { id: seed, kind: step, action: job, title: Seed the new tables, image: "${REGISTRY}/seed:broken", command: [seed], deadline: 30s }
      - { id: set-image`,
);

function checklist(service: Service, prometheusUrl: string): string {
  const steps = service === 'ledger' ? IRREVERSIBLE : service === 'inventory' ? FAILS_BEFORE_IMAGE : REVERTIBLE(service === 'billing' ? `${REGISTRY}/migrate:broken-downgrade` : `${REGISTRY}/${service}:v2`);
  return `
name: migrating-${service}
phases:
  - id: rollout
    title: Rollout
    items:
${steps}
  - id: verify
    title: Verification
    items:
      - { id: dashboards, kind: manual, title: Dashboards look healthy }
guards:
  - id: error-rate
    title: Error rate
    probe: { type: prometheus, url: ${prometheusUrl}, query: '${query(service)}', above: 0.05 }
    for: 2s
    interval: 1s
    action: rollback
`;
}

function catalog(): string {
  const services = Object.keys(SCENARIOS) as Service[];
  return [
    'slack:',
    `  defaultChannel: ${CHANNEL}`,
    'roles:',
    '  sre:',
    '    users: [U0BOB]',
    'environments:',
    ...services.flatMap((s) => [`  prod-${s}:`, '    cluster: emulator', `    checklist: migrating-${s}`, '    rollbackers: [sre]']),
    'services:',
    ...services.flatMap((s) => [
      `  ${s}:`,
      `    namespace: ${NAMESPACE}`,
      `    deployment: ${s}`,
      `    container: ${s}`,
      `    image: ${REGISTRY}/${s}`,
      `    environments: [prod-${s}]`,
      ...(s === 'ledger' ? [`    traffic: { route: ${s}, stableService: ${s}, canaryService: ${s}-canary }`] : []),
      '    pagerduty:',
      '      routingKeyEnv: PD_ROUTING_KEY',
      `      escalationPolicy: ${SCENARIOS[s]}`,
    ]),
    '',
  ].join('\n');
}

describe('migration-aware rollback', () => {
  let slack: SlackEmulator;
  let k8s: KubernetesEmulator;
  let prometheus: PrometheusEmulator;
  let pagerduty: PagerDutyEmulator;
  let flightdeck: FlightdeckProcess;
  let driver: SlackDriver;
  let redis: Redis;
  let store: RunStore;

  beforeAll(async () => {
    slack = await startSlackEmulator({ channels: [CHANNEL] });
    k8s = await startKubernetesEmulator({ readyDelayMs: 100 });
    prometheus = await startPrometheusEmulator();
    pagerduty = await startPagerDutyEmulator();
    const bob = pagerduty.addUser({ name: 'Bob Example', email: 'bob@example.com' });
    for (const policy of Object.values(SCENARIOS)) pagerduty.setOnCall(policy, [bob.id]);
    for (const service of Object.keys(SCENARIOS) as Service[]) {
      k8s.seedDeployment({ namespace: NAMESPACE, name: service, container: service, image: `${REGISTRY}/${service}:v1`, replicas: 2 });
      prometheus.setQueryResult(query(service), 0.01);
    }
    k8s.create('httproutes', NAMESPACE, {
      apiVersion: 'gateway.networking.k8s.io/v1',
      kind: 'HTTPRoute',
      metadata: { name: 'ledger' },
      spec: { parentRefs: [{ name: 'public' }], rules: [{ backendRefs: [{ name: 'ledger', port: 8080 }] }] },
    });
    k8s.jobOutcome({ image: `${REGISTRY}/migrate:broken-downgrade` }, { succeed: false, exitCode: 1, logs: ['ERROR  [alembic] cannot downgrade: column "total" has data'] });
    k8s.jobOutcome({ image: `${REGISTRY}/seed:broken` }, { succeed: false, exitCode: 2, logs: ['seed: relation "stock" does not exist'] });
    const dir = mkdtempSync(join(tmpdir(), 'flightdeck-migration-rollback-'));
    const kubeconfig = join(dir, 'kubeconfig');
    k8s.writeKubeconfig(kubeconfig, 'emulator');
    flightdeck = await startFlightdeckProcess({
      slackApiUrl: slack.apiUrl,
      botToken: slack.token,
      signingSecret: SIGNING_SECRET,
      kubeconfigPath: kubeconfig,
      catalog: catalog(),
      checklists: Object.fromEntries((Object.keys(SCENARIOS) as Service[]).map((s) => [`migrating-${s}`, checklist(s, prometheus.url)])),
      env: pagerDutyEnv(pagerduty),
    });
    driver = new SlackDriver({ appUrl: flightdeck.eventsUrl, signingSecret: SIGNING_SECRET, emulator: slack });
    redis = new Redis({ host: '127.0.0.1', port: 6379, maxRetriesPerRequest: null });
    store = new RunStore(redis, flightdeck.redisPrefix);
  }, 60_000);

  afterAll(async () => {
    await flightdeck?.stop();
    const keys = await redis?.keys(`{${flightdeck?.redisPrefix}}*`);
    if (keys && keys.length > 0) await redis.del(...keys);
    redis?.disconnect();
    await Promise.all([slack?.close(), k8s?.close(), prometheus?.close(), pagerduty?.close()]);
  });

  async function deployAndWait(service: Service): Promise<Run> {
    const response = await driver.slashCommand({ command: '/deploy', text: `${service} v2`, userId: 'U0ALICE', channelId: CHANNEL });
    expect(response.status).toBe(200);
    return waitUntil(`${service}'s run to wait for people after its rollout`, async () => {
      const [run] = await store.history(service, `prod-${service}`, 1);
      return run && run.state === 'waiting' && run.guardsStartedAt !== undefined ? run : undefined;
    }, 40_000);
  }

  async function runState(id: string, states: readonly string[]): Promise<Run> {
    return waitUntil(`run #${id} to reach ${states.join(' or ')}`, async () => {
      const current = await store.get(id);
      return current && states.includes(current.state) ? current : undefined;
    }, 40_000);
  }

  /** Every write flightdeck sent the API server for `service`, in the order it arrived: Job creations and Deployment patches. */
  function writesFor(service: Service): string[] {
    return k8s.requests.flatMap((r) => {
      if (r.method === 'POST' && r.path.endsWith(`/namespaces/${NAMESPACE}/jobs`)) {
        const name = String((r.body as { metadata?: { name?: string } }).metadata?.name);
        return name.startsWith(`${service}-job-`) ? [`job ${name.replace(/^.*?-(?=revert-|backup$|migrate$|drop-column$|seed$)/, '')}`] : [];
      }
      if (r.method === 'PATCH' && r.path.endsWith(`/deployments/${service}`)) {
        const image = /:(v\d)"/.exec(JSON.stringify(r.body))?.[1];
        return image ? [`image ${image}`] : [];
      }
      return [];
    });
  }

  const image = (service: Service) => k8s.getDeployment(NAMESPACE, service).spec.template.spec.containers[0].image as string;
  /** The run message's blocks as JSON, once it is posted. */
  const messageBlocks = (id: string) =>
    waitUntil(`run #${id}'s message`, async () => {
      const ts = (await store.get(id))?.messageTs;
      const message = ts ? slack.messages(CHANNEL).find((m) => m.ts === ts) : undefined;
      return message ? JSON.stringify(message.blocks) : undefined;
    });
  const threadOf = async (id: string) => {
    const ts = (await store.get(id))?.messageTs;
    return ts ? slack.thread(CHANNEL, ts).map(shownText) : [];
  };

  it('shows the rollback plan in the message, and on a breach runs the reverts last first, then restores the image', async () => {
    const run = await deployAndWait('orders');
    expect(await messageBlocks(run.id)).toContain('*Rollback plan:* 1. revert *Migrate the schema*  2. revert *Back up the database*  3. restore the image');
    prometheus.setQueryResult(query('orders'), 0.3);

    const undone = await runState(run.id, ['rolled-back', 'rollback-failed']);
    expect(undone.state).toBe('rolled-back');
    const rollback = (await store.get(undone.rollbackRunId!))!;
    expect(rollback.phases[0]!.items.map((item) => `${item.id}:${item.state}`)).toEqual(['revert-migrate:done', 'revert-backup:done', 'rollback:done', 'wait-rollout:done']);
    expect(writesFor('orders')).toEqual(['job backup', 'job migrate', 'image v2', 'job revert-migrate', 'job revert-backup', 'image v1']);
    expect(image('orders')).toBe(`${REGISTRY}/orders:v1`);

    const reverts = k8s.list('jobs', NAMESPACE).filter((job) => String(job.metadata.name).startsWith(`orders-job-${runRef(rollback)}-revert-`));
    const backup = reverts.find((job) => String(job.metadata.name).endsWith('revert-backup'))!;
    const container = backup.spec.template.spec.containers[0];
    expect(container.image).toBe(`${REGISTRY}/pg-tools:16`);
    expect(container.command).toEqual(['pg_restore', '--clean', `/backups/orders-${run.id}.dump`]);
    expect(container.env).toEqual(expect.arrayContaining([
      { name: 'FLIGHTDECK_UNDONE_RUN', value: run.id },
      { name: 'FLIGHTDECK_UNDONE_RUN_REF', value: runRef(run) },
      { name: 'FLIGHTDECK_UNDONE_IMAGE', value: `${REGISTRY}/orders:v2` },
      { name: 'FLIGHTDECK_PREVIOUS_IMAGE', value: `${REGISTRY}/orders:v1` },
      { name: 'FLIGHTDECK_RUN', value: rollback.id },
    ]));
    const migrate = reverts.find((job) => String(job.metadata.name).endsWith('revert-migrate'))!;
    expect(migrate.spec.template.spec.containers[0]).toMatchObject({ image: `${REGISTRY}/orders:v2`, command: ['alembic', 'downgrade', '41'] });
  });

  it('a revert that fails ends the rollback rollback-failed, naming the Job, and never restores the image over it', async () => {
    const run = await deployAndWait('billing');
    prometheus.setQueryResult(query('billing'), 0.3);

    const undone = await runState(run.id, ['rolled-back', 'rollback-failed']);
    expect(undone.state).toBe('rollback-failed');
    const rollback = (await store.get(undone.rollbackRunId!))!;
    expect(rollback.phases[0]!.items.map((item) => `${item.id}:${item.state}`)).toEqual(['revert-migrate:failed', 'revert-backup:pending', 'rollback:pending', 'wait-rollout:pending']);
    expect(JSON.stringify(rollback.reason)).toContain('revert-migrate failed (exit 1)');
    expect(writesFor('billing')).toEqual(['job backup', 'job migrate', 'image v2', 'job revert-migrate']);
    expect(image('billing')).toBe(`${REGISTRY}/billing:v2`);
    await waitUntil('the failed rollback in the thread', async () => (await threadOf(run.id)).find((t) => t.includes('Rollback failed')), 60_000);
   }, 90_000);

  it('a run that fails after its migration but before its image has its Jobs reverted, last first, and its image left alone', async () => {
    const response = await driver.slashCommand({ command: '/deploy', text: 'inventory v2', userId: 'U0ALICE', channelId: CHANNEL });
    expect(response.status).toBe(200);
    const run = await waitUntil("inventory's run", async () => (await store.history('inventory', 'prod-inventory', 1))[0]);
    const undone = await runState(run.id, ['rolled-back', 'rollback-failed', 'aborted', 'error']);
    expect(undone.state).toBe('rolled-back');
    const rollback = (await store.get(undone.rollbackRunId!))!;
    expect(rollback.phases[0]!.items.map((item) => `${item.id}:${item.state}`)).toEqual(['revert-migrate:done', 'revert-backup:done']);
    expect(rollback.version).toBe('the Jobs of v2');
    expect(writesFor('inventory')).toEqual(['job backup', 'job migrate', 'job seed', 'job revert-migrate', 'job revert-backup']);
    expect(image('inventory')).toBe(`${REGISTRY}/inventory:v1`);
  });

  it('a run that ran an irreversible Job holds on a breach: traffic back to stable, the image kept, the on-call paged with two gated, audited buttons', async () => {
    const run = await deployAndWait('ledger');
    expect(await messageBlocks(run.id)).toContain('Cannot be undone: *Drop the legacy column*');
    expect(k8s.get('httproutes', NAMESPACE, 'ledger')!.spec.rules[0].backendRefs.map((b: { weight?: number }) => b.weight)).toEqual([75, 25]);
    prometheus.setQueryResult(query('ledger'), 0.3);

    // Held: failed, no rollback run, the canary's traffic back on stable and the canary scaled down, the image kept.
    const held = await runState(run.id, ['failed', 'rolling-back', 'rolled-back']);
    expect(held.state).toBe('failed');
    await waitUntil('traffic back on stable', () => (k8s.get('httproutes', NAMESPACE, 'ledger')!.spec.rules[0].backendRefs.map((b: { weight?: number }) => b.weight).join('/') === '100/0' ? true : undefined));
    await waitUntil('the canary scaled down', () => (k8s.getDeployment(NAMESPACE, 'ledger-canary').spec.replicas === 0 ? true : undefined));
    expect((await store.get(run.id))!.rollbackRunId).toBeUndefined();
    expect(image('ledger')).toBe(`${REGISTRY}/ledger:v2`);
    expect(writesFor('ledger').filter((w) => w.startsWith('image'))).toEqual(['image v2']);
    expect((await store.audit(run.id)).map((entry) => entry.action)).toContain('rollback.held');
    const lock = await store.lockValue('ledger', 'prod-ledger');
    expect(lock).toContain('cannot be undone');

    const dm = await waitUntil("the on-call's DM", () => {
      const channel = slack.dmChannel('U0BOB');
      return channel ? slack.messages(channel).find((m) => m.text.includes(`run #${run.id})`)) : undefined;
    });
    expect(dm.text).toContain('Holding, not rolling back');
    expect(listButtons(dm.blocks).map((b) => (b.element.text as { text: string }).text)).toEqual(['Roll back the image anyway', 'Hold']);
    const incident = await waitUntil('the PagerDuty trigger', () => pagerduty.incident(dedupKeyFor(runRef(run), 'error-rate')));
    expect(incident.severity).toBe('critical');
    await waitUntil('the hold in the thread', async () => (await threadOf(run.id)).find((t) => t.includes('is *held*, not rolled back')), 60_000);

    // Someone who is not a rollbacker is refused by the gate, for either button, and the refusal is audited.
    const refusedHold = await driver.clickButton({ userId: 'U0MALLORY', channelId: dm.channel, messageTs: dm.ts, actionId: 'incident.hold' });
    expect(refusedHold.status).toBe(200);
    const refusedRollback = await driver.clickButton({ userId: 'U0MALLORY', channelId: dm.channel, messageTs: dm.ts, actionId: 'run.rollback' });
    expect(refusedRollback.status).toBe(200);
    const refusals = await waitUntil('both refusals in the audit', async () => {
      const found = (await store.audit(run.id)).filter((entry) => entry.actor === 'U0MALLORY' && entry.action === 'action.refused');
      return found.length === 2 ? found : undefined;
    });
    expect(refusals.map((entry) => entry.detail).join('\n')).toMatch(/incident\.hold: rollbacker/);
    expect(slack.openViews('U0MALLORY')).toEqual([]);
    // Their answers go out after the audit: one still in flight would meet the expired URL set up for the hold below.
    await waitUntil('both refusals answered', () => ([refusedHold, refusedRollback].every((click) => slack.responses.some((r) => r.url === click.responseUrl)) ? true : undefined));

    // Hold: audited as the on-call's decision; the run stays as it is. Its answer meets a response URL that has
    // expired: the hold stands, and nothing answers again to say it failed.
    slack.failNextResponse(1, { error: 'expired_url' });
    const ephemeralsBefore = slack.ephemerals.filter((e) => e.user === 'U0BOB').length;
    const hold = await driver.clickButton({ userId: 'U0BOB', channelId: dm.channel, messageTs: dm.ts, actionId: 'incident.hold' });
    expect(hold.status).toBe(200);
    const kept = await waitUntil('the hold in the audit', async () => (await store.audit(run.id)).find((entry) => entry.action === 'rollback.hold'));
    expect(kept).toMatchObject({ actor: 'U0BOB', detail: 'kept the image: drop-column cannot be undone' });
    expect(await store.get(run.id)).toMatchObject({ state: 'failed' });
    expect((await store.get(run.id))!.rollbackRunId).toBeUndefined();
    await waitUntil('PagerDuty acknowledged', () => (pagerduty.incident(dedupKeyFor(runRef(run), 'error-rate'))?.status === 'acknowledged' ? true : undefined));
    await waitUntil('the hold answered', () => (slack.responses.some((r) => r.url === hold.responseUrl) ? true : undefined));
    expect(slack.responses.filter((r) => r.url === hold.responseUrl).map((r) => r.status)).toEqual([404]);
    expect(slack.ephemerals.filter((e) => e.user === 'U0BOB')).toHaveLength(ephemeralsBefore);

    // Roll back the image anyway: the gate, then the confirm dialog that says what cannot be undone.
    const anyway = await driver.clickButton({ userId: 'U0BOB', channelId: dm.channel, messageTs: dm.ts, actionId: 'run.rollback' });
    expect(anyway.status).toBe(200);
    const view = await waitUntil('the confirm dialog', () => slack.openViews('U0BOB').find((v) => v.open && v.callbackId === 'rollback.confirm'));
    expect(JSON.stringify(view.blocks)).toContain('*Drop the legacy column* ran and cannot be undone: this rolls the image back anyway');
    expect((await driver.viewSubmission({ userId: 'U0BOB', viewId: view.id })).status).toBe(200);
    const rolledBack = await runState(run.id, ['rolled-back', 'rollback-failed']);
    expect(rolledBack.state).toBe('rolled-back');
    expect(image('ledger')).toBe(`${REGISTRY}/ledger:v1`);
    expect((await store.audit(rolledBack.rollbackRunId)).find((entry) => entry.action === 'rollback.requested')).toMatchObject({ actor: 'U0BOB' });
   }, 90_000);
});
