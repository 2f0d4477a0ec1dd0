import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dedupKeyFor } from '../../src/pagerduty/dedup-key-for.js';
import { runRef } from '../../src/run/core/run-ref.js';
import { RUN_FAILURE_INCIDENT } from '../../src/queue/engine/run-engine.js';
import { type PagerDutyEmulator, startPagerDutyEmulator } from '../../sandbox/pagerduty/index.js';
import { replyText } from '../support/reply-text.js';
import { shownText } from '../support/shown-text.js';
import { startE2eWorld, type E2eWorld } from '../support/start-e2e-world.js';
import { waitForRunState } from '../support/wait-for-run-state.js';
import { waitUntil } from '../support/wait-until.js';

/**
 * The chart's Role with one verb taken away, as on a cluster whose RBAC lags the code: the run must fail as
 * a release (rolled back, since it already changed the cluster), naming the missing permission.
 */
const CHANNEL = 'C0RBAC';
const REPO = 'registry.example.com/acme/basket';

const CATALOG = `
slack:
  defaultChannel: ${CHANNEL}
environments:
  production:
    cluster: emulator
    checklist: smoke
services:
  basket:
    namespace: shop
    deployment: basket
    container: basket
    image: ${REPO}
    environments: [production]
    pagerduty:
      routingKeyEnv: PD_ROUTING_KEY
`;

const CHECKLIST = `
name: smoke
phases:
  - id: rollout
    title: Rollout
    items:
      - { id: set-image, kind: step, action: set-image }
      - { id: wait, kind: step, action: wait-rollout, timeout: 20s }
      - { id: smoke, kind: step, action: smoke-job, image: registry.example.com/acme/smoke:1, timeout: 20s }
`;

const DENIAL = 'User "system:serviceaccount:flightdeck:flightdeck-worker" cannot list resource "jobs" in API group "batch" in the namespace "shop"';

let world: E2eWorld;
let pagerduty: PagerDutyEmulator;

beforeAll(async () => {
  pagerduty = await startPagerDutyEmulator();
  const caFile = join(mkdtempSync(join(tmpdir(), 'flightdeck-rbac-')), 'pagerduty-ca.pem');
  writeFileSync(caFile, pagerduty.ca);
  world = await startE2eWorld({
    env: { PD_ROUTING_KEY: pagerduty.routingKey, PAGERDUTY_EVENTS_SERVER: pagerduty.eventsServer, PAGERDUTY_CA_FILE: caFile },
    mode: 'http',
    catalog: CATALOG,
    checklists: { smoke: CHECKLIST },
    slack: { channels: [CHANNEL] },
    kubernetes: { readyDelayMs: 100 },
    deployments: [{ namespace: 'shop', name: 'basket', container: 'basket', image: `${REPO}:v1`, replicas: 2 }],
    // run-job lists and watches the Job it created; without `list` it is refused after the image changed.
    editRole: (rules) => rules.map((rule) => (rule.resources.includes('jobs') ? { ...rule, verbs: rule.verbs.filter((verb: string) => verb !== 'list') } : rule)),
  });
});

afterAll(async () => {
  await world?.stop();
  await pagerduty?.close();
});

describe('a 403 after the cluster changed', () => {
  it('fails the run as a release, rolls the image back, pages, and names the missing permission with a kubectl auth can-i line', async () => {
    const response = await world.driver.slashCommand({ command: '/deploy', text: 'basket v2 to production', userId: 'U0ALICE', channelId: CHANNEL });
    const id = /Run #(\d+)/.exec(replyText(response))?.[1];
    expect(id, replyText(response)).toBeDefined();
    const done = await waitForRunState(world.store, id!, ['rolled-back', 'rollback-failed', 'error', 'succeeded']);
    expect(done.state).toBe('rolled-back');
    expect(done.reason).toContain(DENIAL);
    expect(done.reason).toContain('kubectl auth can-i list jobs.batch -n shop --as system:serviceaccount:flightdeck:flightdeck-worker');
    expect(world.k8s.getDeployment('shop', 'basket').spec.template.spec.containers[0].image).toBe(`${REPO}:v1`);
    const incident = await waitUntil('the PagerDuty trigger', () => pagerduty.incident(dedupKeyFor(runRef(done), RUN_FAILURE_INCIDENT)));
    expect(incident.summary).toContain(`basket v2 in production: run #${id} failed`);
    // The refusal is the emulator's RBAC answering flightdeck's own request, not an injected fault.
    const refused = world.k8s.requests.find((r) => r.attributes?.resource === 'jobs' && r.attributes.verb === 'list');
    expect(refused?.user).toBe('system:serviceaccount:flightdeck:flightdeck-worker');
    // What people read: the run's message or its thread carries the same line.
    await world.slack.waitFor(
      (state) => state.messages(CHANNEL).some((m) => [m.text, JSON.stringify(m.blocks ?? []), ...state.thread(CHANNEL, m.ts).map(shownText)].join('\n').includes('kubectl auth can-i list jobs.batch -n shop')) || undefined,
      10_000,
      'the missing permission in Slack',
    );
  });
});
