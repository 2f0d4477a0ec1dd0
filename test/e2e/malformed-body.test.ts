import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { signSlackRequest } from '../emulators/slack/index.js';
import { replyText } from '../support/reply-text.js';
import { startE2eWorld, type E2eWorld } from '../support/start-e2e-world.js';
import { E2E_CATALOG, E2E_CHECKLIST } from './fixtures.js';

let world: E2eWorld;

beforeAll(async () => {
  world = await startE2eWorld({ mode: 'http', catalog: E2E_CATALOG, checklists: { release: E2E_CHECKLIST } });
});

afterAll(async () => {
  expect(await world?.stop()).toBe(0);
});

describe('a correctly signed but malformed body', () => {
  it('does not take the process down: the next request is still answered', async () => {
    // Bolt 5.1 reads a field of the parsed body without checking it is an object (RELIABILITY.md finding 3).
    const body = 'payload=null';
    const sent = fetch(world.flightdeck.eventsUrl, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', ...signSlackRequest(world.signingSecret, body) },
      body,
      signal: AbortSignal.timeout(2000),
    }).catch(() => undefined);
    await sent;
    expect(world.flightdeck.child.exitCode).toBeNull();

    const help = await world.driver.slashCommand({ command: '/deploy', text: 'help', userId: 'U0ALICE', channelId: 'C0DEPLOY' });
    expect(help.status).toBe(200);
    expect(replyText(help)).toContain('/deploy');
    expect(world.flightdeck.output()).toContain('unhandled rejection; the request that caused it was dropped');
  });

  it('acknowledges a click on a button nothing handles at once, and tells the clicker', async () => {
    const response = await world.driver.blockAction({
      userId: 'U0BOB',
      channelId: 'C0DEPLOY',
      messageTs: '1700000000.000100',
      actionId: 'legacy.approve-all',
      blockId: 'old-block',
      value: '42',
    });
    expect(response.status).toBe(200);
    await world.slack.waitFor(
      (state) => state.responses.some((reply) => JSON.stringify(reply).includes('no longer in use by flightdeck')) || undefined,
      5_000,
      'the ephemeral "no longer in use" reply',
    );
  });
});
