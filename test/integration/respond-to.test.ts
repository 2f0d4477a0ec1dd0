import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { NO_PROXIES } from '../../src/config/proxy-settings.js';
import { createOutboundTransport, POSTED_TEXT_MAX_BYTES } from '../../src/net/create-outbound-transport.js';
import { createRespondTo } from '../../src/slack/respond-to.js';
import { startSlackEmulator, type SlackEmulator } from '../../sandbox/slack/index.js';
import { freePorts } from '../support/free-port.js';
import { caughtFlightdeckError } from '../support/caught-flightdeck-error.js';

/* A listener's answer through its response URL, on the wire to the Slack emulator, which refuses as Slack does. */

let slack: SlackEmulator;
let unavailable: Server;
let unavailableUrl: string;
const { postJson } = createOutboundTransport(NO_PROXIES);
const respondTo = createRespondTo(postJson);

beforeAll(async () => {
  slack = await startSlackEmulator({ channels: ['C0DEPLOY'] });
  unavailable = createServer((req, res) => {
    req.resume();
    // As a proxy's error page might: far longer than any answer Slack gives.
    res.writeHead(503, { 'content-type': 'text/plain' }).end(`service_unavailable ${'x'.repeat(1024 * 1024)}`);
  });
  await new Promise<void>((resolve) => unavailable.listen(0, '127.0.0.1', resolve));
  unavailableUrl = `http://127.0.0.1:${(unavailable.address() as AddressInfo).port}/response/x`;
});

afterAll(async () => {
  await slack?.close();
  await new Promise((resolve) => unavailable?.close(resolve));
});

describe('respondTo', () => {
  it('shows the answer to the person who clicked, as an ephemeral in the channel', async () => {
    const url = slack.responseUrl({ channelId: 'C0DEPLOY', userId: 'U0ALICE' });
    await respondTo(url)({ response_type: 'ephemeral', replace_original: false, text: 'Already ticked by <@U0BOB>.' });
    expect(slack.responses.filter((r) => r.url === url).map((r) => [r.status, r.body.text])).toEqual([[200, 'Already ticked by <@U0BOB>.']]);
  });

  it("refuses for good, in Slack's word, once the URL's five answers are used", async () => {
    const url = slack.responseUrl({ channelId: 'C0DEPLOY', userId: 'U0ALICE' });
    for (let i = 0; i < 5; i += 1) await respondTo(url)({ text: `answer ${i}` });
    const err = await caughtFlightdeckError(respondTo(url)({ text: 'a sixth' }));
    expect(err.code).toBe('slack-rejected');
    expect(err.message).toContain('HTTP 404');
    expect(err.message).toContain('used_url');
    expect(err.retryable).toBe(false);
  });

  it('says a 5xx is worth a retry', async () => {
    const err = await caughtFlightdeckError(respondTo(unavailableUrl)({ text: 'hello' }));
    expect(err.code).toBe('slack-failed');
    expect(err.message).toContain('HTTP 503: service_unavailable');
    expect(err.retryable).toBe(true);
  });

  it('reads no more of an answer than its start', async () => {
    const posted = await postJson(unavailableUrl, { text: 'hello' });
    expect(posted.status).toBe(503);
    expect(posted.text).toHaveLength(POSTED_TEXT_MAX_BYTES);
    expect(posted.text.startsWith('service_unavailable x')).toBe(true);
  });

  it('says an answer that could not be sent is worth a retry', async () => {
    const [port] = await freePorts(1);
    const err = await caughtFlightdeckError(respondTo(`http://127.0.0.1:${port}/response/x`)({ text: 'hello' }));
    expect(err.code).toBe('slack-failed');
    expect(err.message).toContain('could not be sent to its response URL');
  });

  it('refuses a request that came without a response URL, sending nothing', async () => {
    const before = slack.responses.length;
    const err = await caughtFlightdeckError(respondTo(undefined)({ text: 'hello' }));
    expect(err.code).toBe('slack-rejected');
    expect(slack.responses).toHaveLength(before);
  });
});
