import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { FlightdeckError } from '../../src/errors/flightdeck-error.js';
import { type PagerDutyClient, createPagerDutyClient } from '../../src/pagerduty/create-pagerduty-client.js';
import { dedupKeyFor } from '../../src/pagerduty/dedup-key-for.js';
import { type PagerDutyEmulator, startPagerDutyEmulator } from '../../sandbox/pagerduty/index.js';

let emu: PagerDutyEmulator;
let client: PagerDutyClient;

function clientFor(extra: { timeoutMs?: number; apiToken?: string } = {}): PagerDutyClient {
  return createPagerDutyClient({
    eventsServer: emu.eventsServer,
    apiUrl: emu.apiUrl,
    apiToken: emu.apiToken,
    ca: emu.ca,
    rateLimitRetryMs: 20,
    now: () => new Date('2025-01-01T10:00:00Z'),
    ...extra,
  });
}

async function codeOf(promise: Promise<unknown>): Promise<{ code: string; retryable: boolean; message: string }> {
  const err = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  if (!(err instanceof FlightdeckError)) throw new Error(`expected a FlightdeckError, got ${String(err)}`);
  return { code: err.code, retryable: err.retryable, message: err.message };
}

const dedupKey = dedupKeyFor('run-42', 'error-rate');

function triggerInput(): Parameters<PagerDutyClient['trigger']>[0] {
  return {
    routingKey: emu.routingKey,
    dedupKey,
    summary: 'web v1.4.2 canary error rate 7.1% > 5% for 2m',
    source: 'flightdeck',
    severity: 'critical',
    customDetails: { runId: 'run-42', guard: 'error-rate' },
    links: [{ href: 'https://acme.slack.com/archives/C1/p1', text: 'Deploy thread' }],
  };
}

beforeEach(async () => {
  emu = await startPagerDutyEmulator();
  client = clientFor();
});

afterEach(async () => {
  await emu.close();
});

describe('PagerDuty events through pdjs', () => {
  it('triggers an incident with the payload, details and links', async () => {
    expect(await client.trigger(triggerInput())).toEqual({ dedupKey });
    expect(emu.incident(dedupKey)).toMatchObject({
      status: 'triggered',
      summary: 'web v1.4.2 canary error rate 7.1% > 5% for 2m',
      severity: 'critical',
      customDetails: { runId: 'run-42', guard: 'error-rate' },
      links: [{ href: 'https://acme.slack.com/archives/C1/p1', text: 'Deploy thread' }],
    });
  });

  it('keeps one incident when the same trigger is sent again', async () => {
    await client.trigger(triggerInput());
    await client.trigger(triggerInput());
    expect(emu.incidents).toHaveLength(1);
    expect(emu.incidents[0]?.triggerCount).toBe(2);
  });

  it('acknowledges and resolves the incident', async () => {
    await client.trigger(triggerInput());
    await client.acknowledge({ routingKey: emu.routingKey, dedupKey });
    expect(emu.incident(dedupKey)?.status).toBe('acknowledged');
    await client.resolve({ routingKey: emu.routingKey, dedupKey });
    expect(emu.incident(dedupKey)?.status).toBe('resolved');
    expect(emu.incidents[0]?.history).toEqual(['trigger', 'acknowledge', 'resolve']);
  });

  it('records a change event with a timestamp from the injected clock', async () => {
    await client.changeEvent({ routingKey: emu.routingKey, summary: 'Deploy web v1.4.2 to prod started', source: 'flightdeck', customDetails: { runId: 'run-42' } });
    expect(emu.events).toHaveLength(1);
    expect(emu.events[0]).toMatchObject({
      kind: 'change',
      status: 202,
      body: { payload: { summary: 'Deploy web v1.4.2 to prod started', timestamp: '2025-01-01T10:00:00.000Z', custom_details: { runId: 'run-42' } } },
    });
  });

  it('retries a 429 inside the call and then succeeds', async () => {
    emu.failNext(2, { status: 429, path: '/v2/enqueue' });
    expect(await client.trigger(triggerInput())).toEqual({ dedupKey });
    expect(emu.events.map((e) => e.outcome)).toEqual(['fault', 'fault', 'opened']);
  });

  it('gives up on a lasting 429 with a retryable pagerduty-unavailable', async () => {
    emu.failNext(10, { status: 429 });
    expect(await codeOf(client.trigger(triggerInput()))).toMatchObject({ code: 'pagerduty-unavailable', retryable: true });
    // pdjs's first attempt plus its three retries, then the caller's queue takes over.
    expect(emu.events).toHaveLength(4);
  });

  it.each([500, 503] as const)('maps %i to a retryable pagerduty-unavailable', async (status) => {
    emu.failNext(1, { status });
    const err = await codeOf(client.trigger(triggerInput()));
    expect(err).toMatchObject({ code: 'pagerduty-unavailable', retryable: true });
    expect(err.message).toContain(String(status));
    expect(emu.incidents).toHaveLength(0);
  });

  it('maps a non-JSON error page to pagerduty-unavailable', async () => {
    emu.failNext(1, { status: 503, html: true });
    expect(await codeOf(client.resolve({ routingKey: emu.routingKey, dedupKey }))).toMatchObject({ code: 'pagerduty-unavailable' });
  });

  it.each(['refuse', 'reset'] as const)('maps a server that is down (%s) to pagerduty-unavailable, then works again', async (mode) => {
    await emu.down(mode);
    expect(await codeOf(client.trigger(triggerInput()))).toMatchObject({ code: 'pagerduty-unavailable', retryable: true });
    await emu.up();
    await client.trigger(triggerInput());
    expect(emu.incidents).toHaveLength(1);
  });

  it('aborts a call that gets no answer after timeoutMs', async () => {
    emu.stallNext(1);
    const err = await codeOf(clientFor({ timeoutMs: 300 }).trigger(triggerInput()));
    expect(err).toMatchObject({ code: 'pagerduty-unavailable', retryable: true });
    expect(err.message).toContain('within 300 ms');
  });

  it('maps an unknown routing key to a permanent pagerduty-rejected with PagerDuty’s reason, without the key', async () => {
    const routingKey = '0123456789abcdef0123456789abcdef';
    const err = await codeOf(client.trigger({ ...triggerInput(), routingKey }));
    expect(err).toMatchObject({ code: 'pagerduty-rejected', retryable: false });
    expect(err.message).toContain('Invalid routing key');
    expect(err.message).not.toContain(routingKey);
    expect(emu.incidents).toHaveLength(0);
  });

  it('refuses empty input before sending anything', async () => {
    expect(await codeOf(client.trigger({ ...triggerInput(), summary: ' ' }))).toMatchObject({ code: 'pagerduty-rejected' });
    expect(await codeOf(client.acknowledge({ routingKey: emu.routingKey, dedupKey: '' }))).toMatchObject({ code: 'pagerduty-rejected' });
    expect(emu.events).toHaveLength(0);
  });

  it('cuts a summary over 1,024 characters instead of losing the page', async () => {
    await client.trigger({ ...triggerInput(), summary: 'x'.repeat(2000) });
    expect(emu.incident(dedupKey)?.summary).toHaveLength(1024);
  });
});

describe('PagerDuty on-call lookup through pdjs', () => {
  it('returns the level-1 on-call emails of the policy only', async () => {
    const alice = emu.addUser({ name: 'Alice', email: 'alice@acme.test' });
    const bob = emu.addUser({ name: 'Bob', email: 'bob@acme.test' });
    const carol = emu.addUser({ name: 'Carol', email: 'carol@acme.test' });
    emu.setOnCall('PWEB', [alice.id]);
    emu.setOnCall('PWEB', [bob.id], 2);
    emu.setOnCall('POTHER', [carol.id]);
    expect(await client.findOnCallEmails('PWEB')).toEqual(['alice@acme.test']);
    const sent = emu.restRequests[0];
    expect(sent?.authorization).toBe(`Token token=${emu.apiToken}`);
    expect(sent?.query.getAll('escalation_policy_ids[]')).toEqual(['PWEB']);
    expect(sent?.query.getAll('include[]')).toEqual(['users']);
  });

  it('pages through more than one page and lists each person once', async () => {
    const ids = Array.from({ length: 230 }, (_, n) => emu.addUser({ name: `U${n}`, email: `u${n}@acme.test` }).id);
    emu.setOnCall('PWEB', [...ids, ids[0] ?? '']);
    const emails = await client.findOnCallEmails('PWEB');
    expect(emails).toHaveLength(230);
    expect(emails[229]).toBe('u229@acme.test');
    expect(emu.restRequests.map((r) => r.query.get('offset'))).toEqual(['0', '100', '200']);
  });

  it('returns an empty list when nobody is on call', async () => {
    expect(await client.findOnCallEmails('PEMPTY')).toEqual([]);
  });

  it('maps a wrong token to pagerduty-rejected and a missing one to pagerduty-rejected without a request', async () => {
    expect(await codeOf(clientFor({ apiToken: 'wrong' }).findOnCallEmails('PWEB'))).toMatchObject({ code: 'pagerduty-rejected', retryable: false });
    expect(emu.restRequests.map((r) => r.status)).toEqual([401]);
    const noToken = createPagerDutyClient({ eventsServer: emu.eventsServer, apiUrl: emu.apiUrl, ca: emu.ca });
    expect(await codeOf(noToken.findOnCallEmails('PWEB'))).toMatchObject({ code: 'pagerduty-rejected' });
    expect(emu.restRequests).toHaveLength(1);
  });

  it('retries a REST 429 and maps REST 5xx, HTML bodies and a dead server to pagerduty-unavailable', async () => {
    const alice = emu.addUser({ name: 'Alice', email: 'alice@acme.test' });
    emu.setOnCall('PWEB', [alice.id]);
    emu.failNext(1, { status: 429, path: '/oncalls' });
    expect(await client.findOnCallEmails('PWEB')).toEqual(['alice@acme.test']);
    emu.failNext(1, { status: 500, path: '/oncalls' });
    expect(await codeOf(client.findOnCallEmails('PWEB'))).toMatchObject({ code: 'pagerduty-unavailable' });
    emu.failNext(1, { status: 503, path: '/oncalls', html: true });
    expect(await codeOf(client.findOnCallEmails('PWEB'))).toMatchObject({ code: 'pagerduty-unavailable' });
    await emu.down();
    expect(await codeOf(client.findOnCallEmails('PWEB'))).toMatchObject({ code: 'pagerduty-unavailable' });
  });

  it('rejects a malformed events server or API URL at construction', () => {
    expect(() => createPagerDutyClient({ eventsServer: 'https://events.pagerduty.com' })).toThrow(/host\[:port\]/);
    expect(() => createPagerDutyClient({ apiUrl: 'api.pagerduty.com' })).toThrow(/not a URL/);
  });
});
