import type { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunStore } from '../../src/run/store/run-store.js';
import type { KubernetesEmulator } from '../../sandbox/kubernetes/index.js';
import { type PrometheusEmulator, startPrometheusEmulator } from '../../sandbox/prometheus/index.js';
import type { SlackDriver, SlackEmulator } from '../../sandbox/slack/index.js';
import type { FlightdeckProcess } from '../support/flightdeck-process.js';
import { replyText } from '../support/reply-text.js';
import { startE2eWorld, type E2eWorld } from '../support/start-e2e-world.js';

const CHANNEL = 'C0DRYRUN';
const ALICE = 'U0ALICE';
const MALLORY = 'U0MALLORY';

const catalog = (prometheusUrl: string) => `
slack:
  defaultChannel: C0DRYRUN
roles:
  deployers:
    users: [U0ALICE]
  approvers:
    users: [U0BOB]
environments:
  production:
    cluster: emulator
    checklist: guarded
    deployers: [deployers]
    prometheusUrl: ${prometheusUrl}
services:
  shop:
    namespace: dry-prod
    deployment: shop
    container: shop
    image: registry.example.com/acme/shop
    environments: [production]
  ghost:
    namespace: dry-prod
    deployment: ghost
    container: ghost
    image: registry.example.com/acme/ghost
    environments: [production]
`;

const GUARDED = `
name: guarded
roles:
  approvers: approves production changes
phases:
  - id: ready
    title: Ready
    items:
      - id: change-approved
        kind: signoff
        title: Change approved
        role: approvers
  - id: rollout
    title: Rollout
    items:
      - id: set-image
        kind: step
        action: set-image
      - id: wait
        kind: step
        action: wait-rollout
        timeout: 30s
guards:
  - id: error-rate
    title: error-rate
    probe: { type: prometheus, query: 'error_ratio', above: 0.05 }
    for: 2m
    interval: 1m
    action: rollback
rollbackPlan:
  - id: tell-support
    kind: manual
    title: Tell support the release was rolled back
`;

describe('/deploy … --dry-run', () => {
  let world: E2eWorld;
  let slack: SlackEmulator;
  let k8s: KubernetesEmulator;
  let flightdeck: FlightdeckProcess;
  let driver: SlackDriver;
  let redis: Redis;
  let store: RunStore;
  let prometheus: PrometheusEmulator;

  const deploy = (text: string, userId = ALICE) => driver.slashCommand({ command: '/deploy', text, userId, channelId: CHANNEL });
  const runKeys = () => redis.keys(`{${flightdeck.redisPrefix}}:run:*`);

  async function openModal(userId: string) {
    expect(replyText(await deploy('', userId))).toBe('');
    return slack.waitFor((state) => state.openViews(userId).find((view) => view.callbackId === 'flightdeck.deploy'), 5000, 'the deploy modal');
  }

  beforeAll(async () => {
    prometheus = await startPrometheusEmulator();
    // Three failing stretches within the last 6 h: 4, 3 and 3 minutes long (a 1-minute step samples each that
    // many times whatever the alignment), every one long enough for the guard's `for: 2m`.
    const anchor = Math.floor(Date.now() / 1000);
    const failing = [[5 * 3600, 240], [4 * 3600, 180], [3 * 3600, 180]].map(([ago, length]) => [anchor - ago!, anchor - ago! + length!] as const);
    prometheus.setRangeSeries('error_ratio', [{ metric: { job: 'shop' }, valueAt: (t) => (failing.some(([from, to]) => t >= from && t < to) ? 0.5 : 0.01) }]);
    world = await startE2eWorld({
      mode: 'http',
      catalog: catalog(prometheus.url),
      checklists: { guarded: GUARDED },
      kubernetes: { readyDelayMs: 100 },
      slack: { channels: [CHANNEL] },
      deployments: [{ namespace: 'dry-prod', name: 'shop', container: 'shop', image: 'registry.example.com/acme/shop:v1.0.0', replicas: 2 }],
    });
    ({ slack, k8s, flightdeck, driver, redis, store } = world);
  });

  afterAll(async () => {
    expect(await world?.stop()).toBe(0);
    await prometheus?.close();
  });

  it('answers only the requester with the image diff and the plan, and changes nothing: no run, no lock, the Deployment as it was', async () => {
    const before = k8s.getDeployment('dry-prod', 'shop');
    expect(before.spec.template.spec.containers[0].image).toBe('registry.example.com/acme/shop:v1.0.0');
    const runsBefore = await runKeys();

    const ack = replyText(await deploy('shop v1.4.2 to production --dry-run --replay 6h'));
    expect(ack).toContain('Working out the plan for *shop* `v1.4.2` to *production*');

    const answer = await slack.waitFor((s) => s.ephemerals.find((e) => e.user === ALICE && e.via === 'response_url' && e.text.startsWith('Dry run:')), 20_000, 'the dry run answer');
    expect(answer.channel).toBe(CHANNEL);
    const shown = JSON.stringify(answer.blocks);
    expect(shown).toContain('image of container shop: `registry.example.com/acme/shop:v1.0.0` → `registry.example.com/acme/shop:v1.4.2`');
    expect(shown).toContain('annotation kubernetes.io/change-cause');
    expect(shown).toContain('Change approved: 1 of role `approvers` (held by <@U0BOB>)');
    expect(shown).toContain('No lock: the target is free.');
    expect(shown).toContain('Deploy window open, no freeze.');
    expect(shown).toContain('Rollback target it would pin: revision 1, `registry.example.com/acme/shop:v1.0.0`');
    expect(shown).toContain('Tell support the release was rolled back');
    expect(shown).toContain('error-rate would have breached 3 times in the last 6h (longest 4m)');
    expect(prometheus.queries.filter((q) => q.range !== undefined).map((q) => [q.query, q.range?.step])).toEqual([['error_ratio', '60s']]);

    // The worker sent the write as a dry run: the API server saw it, and stored nothing.
    const patches = k8s.requests.filter((r) => r.method === 'PATCH' && r.path.endsWith('/deployments/shop'));
    expect(patches.map((r) => r.query.dryRun)).toEqual(['All']);
    expect(k8s.getDeployment('dry-prod', 'shop')).toEqual(before);
    expect(await runKeys()).toEqual(runsBefore);
    expect(await store.lockValue('shop', 'production')).toBeNull();
    const audited = (await store.audit(undefined, 50)).filter((entry) => entry.action === 'deploy.dry-run');
    expect(audited).toEqual([expect.objectContaining({ actor: ALICE, detail: 'shop v1.4.2 to production' })]);
  });

  it('answers with why when the plan cannot be worked out (no such Deployment), still changing nothing', async () => {
    const runsBefore = await runKeys();
    expect(replyText(await deploy('ghost v2 to production --dry-run'))).toContain('Working out the plan');
    const answer = await slack.waitFor((s) => s.ephemerals.find((e) => e.user === ALICE && e.text.startsWith(':warning: The dry run could not be worked out')), 20_000, 'the dry run refusal');
    expect(answer.text).toContain('dry-prod/ghost');
    expect(await runKeys()).toEqual(runsBefore);
    expect(await store.lockValue('ghost', 'production')).toBeNull();
  });

  it('from the /deploy modal, "Dry run only" answers the requester alone in the channel and changes nothing', async () => {
    const before = k8s.getDeployment('dry-prod', 'shop');
    const runsBefore = await runKeys();
    const dryRunsBefore = (await store.audit(undefined, 50)).filter((entry) => entry.action === 'deploy.dry-run').length;
    const view = await openModal(ALICE);
    // Slack sends a ticked checkbox as its selected option: one submit button, the choice inside the form.
    const submitted = await driver.viewSubmission({ userId: ALICE, viewId: view.id, values: { service: { value: 'shop' }, environment: { value: 'production' }, version: { value: 'v1.5.0' }, mode: { value: ['dry-run'] } } });
    expect(submitted.viewAck?.outcome).toBe('updated');
    expect(JSON.stringify(slack.view(view.id)?.blocks)).toContain(`Working out the plan for *shop* \`v1.5.0\` to *production*. It appears in <#${CHANNEL}>, visible only to you`);

    const answer = await slack.waitFor((s) => s.ephemerals.find((e) => e.user === ALICE && e.via === 'api' && e.text.startsWith('Dry run:')), 20_000, 'the modal dry run answer');
    expect(answer.channel).toBe(CHANNEL);
    expect(JSON.stringify(answer.blocks)).toContain('`registry.example.com/acme/shop:v1.0.0` → `registry.example.com/acme/shop:v1.5.0`');
    expect(slack.messages(CHANNEL)).toEqual([]);
    expect(k8s.getDeployment('dry-prod', 'shop')).toEqual(before);
    expect(await runKeys()).toEqual(runsBefore);
    expect(await store.lockValue('shop', 'production')).toBeNull();
    const audited = (await store.audit(undefined, 50)).filter((entry) => entry.action === 'deploy.dry-run');
    expect(audited).toHaveLength(dryRunsBefore + 1);
    expect(audited).toContainEqual(expect.objectContaining({ actor: ALICE, detail: 'shop v1.5.0 to production' }));
  });

  it('refuses a modal dry run through the same gate as the command, inline, and enqueues nothing', async () => {
    const view = await openModal(MALLORY);
    const refused = await driver.viewSubmission({ userId: MALLORY, viewId: view.id, values: { service: { value: 'shop' }, environment: { value: 'production' }, version: { value: 'v1.5.0' }, mode: { value: ['dry-run'] } } });
    expect(refused.viewAck?.outcome).toBe('errors');
    expect(view.errors?.environment).toContain('needs the role deployers');
    // The gate audits a refusal from a dialog as action.refused, with the same rule as the typed command.
    const audited = (await store.audit(undefined, 50)).filter((entry) => entry.action === 'action.refused' && entry.actor === MALLORY);
    expect(audited.map((entry) => entry.detail)).toContainEqual(expect.stringMatching(/^\/deploy shop v1\.5\.0 to production --dry-run: .*\[deploy\.dry-run: deployer\]$/));
    expect(slack.ephemerals.filter((e) => e.user === MALLORY)).toEqual([]);
  });

  it('refuses a dry run to someone who may not deploy there, as a deploy is refused, and enqueues nothing', async () => {
    const reply = replyText(await deploy('shop v1.4.2 to production --dry-run', MALLORY));
    expect(reply).toContain('You may not deploy to production: that needs the role `deployers`.');
    const refused = (await store.audit(undefined, 50)).filter((entry) => entry.action === 'command.refused' && entry.actor === MALLORY);
    expect(refused.map((entry) => entry.detail)).toContainEqual(expect.stringContaining('--dry-run'));
    expect(slack.ephemerals.filter((e) => e.user === MALLORY && e.via === 'response_url')).toEqual([]);
  });
});
