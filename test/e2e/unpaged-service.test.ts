import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { replyText } from '../support/reply-text.js';
import { startE2eWorld, type E2eWorld } from '../support/start-e2e-world.js';
import { waitUntil } from '../support/wait-until.js';
import { E2E_CATALOG, E2E_CHECKLIST } from './fixtures.js';

/** The e2e service, paged through a variable nobody set: what a copied example catalog looks like. */
const CATALOG = `${E2E_CATALOG}    pagerduty: { routingKeyEnv: API_PAGERDUTY_ROUTING_KEY, escalationPolicy: PABC123 }\n`;

describe('a service whose PagerDuty routing key is not set', () => {
  let world: E2eWorld;

  beforeAll(async () => {
    world = await startE2eWorld({
      mode: 'http',
      catalog: CATALOG,
      checklists: { release: E2E_CHECKLIST },
      deployments: [{ namespace: 'shop', name: 'api', container: 'api', image: 'registry.example.com/acme/api:v1.4.2' }],
    });
  });

  afterAll(async () => {
    await world?.stop();
  });

  it('does not stop start-up: flightdeck says paging is degraded, naming the variable, and deploys', async () => {
    const warning = await waitUntil('the paging degraded warning', async () => world.flightdeck.output().split('\n').find((l) => l.includes('paging degraded')));
    expect(JSON.parse(warning)).toMatchObject({
      level: 40,
      msg: 'paging degraded',
      problem: expect.stringContaining('API_PAGERDUTY_ROUTING_KEY: is not set, but services.api.pagerduty.routingKeyEnv names it, so api is never paged'),
    });
    const response = await world.driver.slashCommand({ command: '/deploy', text: 'api v1.5.0 to production', userId: 'U0ALICE', channelId: 'C0DEPLOY' });
    expect(replyText(response)).toMatch(/Run #\d+/);
  });
});

describe('a web-only process with the same catalog', () => {
  let world: E2eWorld;

  beforeAll(async () => {
    world = await startE2eWorld({
      mode: 'http',
      catalog: CATALOG,
      checklists: { release: E2E_CHECKLIST },
      // The Helm chart's web pods: no routing keys (workers page), so no warning about them either.
      env: { FLIGHTDECK_ROLE: 'web' },
    });
  });

  afterAll(async () => {
    await world?.stop();
  });

  it('does not warn that paging is degraded: it never pages', async () => {
    // Logged after the routing keys are read, so every warning about them is in the output by then.
    await waitUntil('the web role listening', async () => world.flightdeck.output().split('\n').find((l) => l.includes('listening for Slack at /slack/events')));
    expect(world.flightdeck.output()).not.toContain('paging degraded');
  });
});
