import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type PagerDutyEmulator, startPagerDutyEmulator } from './index.js';

// Raw requests, so these tests pin the wire shapes of protocols.md §C independently of pdjs.

interface Reply {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: unknown;
}

function parse(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

async function postEvent(emu: PagerDutyEmulator, path: string, body: unknown): Promise<Reply> {
  const [host, port] = emu.eventsServer.split(':');
  const text = typeof body === 'string' ? body : JSON.stringify(body);
  return new Promise((resolve, reject) => {
    const req = httpsRequest(
      { host, port: Number(port), path, method: 'POST', ca: emu.ca, headers: { 'Content-Type': 'application/json' } },
      (res) => {
        let data = '';
        res.setEncoding('utf8');
        res.on('data', (c: string) => (data += c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: parse(data) }));
      },
    );
    req.on('error', reject);
    req.end(text);
  });
}

async function getRest(emu: PagerDutyEmulator, pathAndQuery: string, token: string | null = emu.apiToken): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(`${emu.apiUrl}${pathAndQuery}`, { headers: token ? { Authorization: `Token token=${token}` } : {} }, (res) => {
      let data = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (data += c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: parse(data) }));
    });
    req.on('error', reject);
    req.end();
  });
}

function trigger(emu: PagerDutyEmulator, dedupKey?: string): Record<string, unknown> {
  return {
    routing_key: emu.routingKey,
    event_action: 'trigger',
    ...(dedupKey ? { dedup_key: dedupKey } : {}),
    payload: { summary: 'web canary error rate 7.1% > 5%', source: 'flightdeck', severity: 'critical', custom_details: { runId: 'r1' } },
    links: [{ href: 'https://slack.example/thread', text: 'Deploy thread' }],
  };
}

describe('PagerDuty emulator: Events API v2 over HTTPS', () => {
  let emu: PagerDutyEmulator;
  beforeEach(async () => {
    emu = await startPagerDutyEmulator();
  });
  afterEach(async () => {
    await emu.close();
  });

  it('serves a certificate trusted through `ca` with an IP SAN for 127.0.0.1', async () => {
    const reply = await postEvent(emu, '/v2/enqueue', trigger(emu, 'k'));
    expect(reply.status).toBe(202);
    expect(reply.body).toEqual({ status: 'success', message: 'Event processed', dedup_key: 'k' });
  });

  it('generates and returns a dedup key when a trigger has none', async () => {
    const reply = await postEvent(emu, '/v2/enqueue', trigger(emu));
    const key = (reply.body as { dedup_key: string }).dedup_key;
    expect(key).toMatch(/^[0-9a-f]{32}$/);
    expect(emu.incident(key)?.status).toBe('triggered');
  });

  it('folds repeated triggers into the open incident and opens a new one after resolve', async () => {
    await postEvent(emu, '/v2/enqueue', trigger(emu, 'k'));
    await postEvent(emu, '/v2/enqueue', trigger(emu, 'k'));
    expect(emu.incidents).toHaveLength(1);
    expect(emu.incidents[0]?.triggerCount).toBe(2);
    await postEvent(emu, '/v2/enqueue', { routing_key: emu.routingKey, event_action: 'resolve', dedup_key: 'k' });
    await postEvent(emu, '/v2/enqueue', trigger(emu, 'k'));
    expect(emu.incidents.map((i) => i.status)).toEqual(['resolved', 'triggered']);
  });

  it('accepts and drops an acknowledge with no open incident', async () => {
    const reply = await postEvent(emu, '/v2/enqueue', { routing_key: emu.routingKey, event_action: 'acknowledge', dedup_key: 'none' });
    expect(reply.status).toBe(202);
    expect(emu.incidents).toHaveLength(0);
    expect(emu.events.at(-1)?.outcome).toBe('dropped');
  });

  it.each([
    ['an unknown routing key', { ...{ event_action: 'trigger', payload: { summary: 's', source: 'x', severity: 'info' } }, routing_key: 'f'.repeat(32) }, 'Invalid routing key'],
    ['a bad severity', 'severity', "'payload.severity' must be one of critical, error, warning, info"],
    ['a missing event_action', 'action', "'event_action' is missing or invalid (must be one of trigger, acknowledge, resolve)"],
    ['a body that is not JSON', '{nope', 'Event object is not valid JSON'],
  ])('answers 400 with the Events API error shape for %s', async (_name, variant, error) => {
    const body =
      variant === 'severity'
        ? { ...trigger(emu, 'k'), payload: { summary: 's', source: 'x', severity: 'fatal' } }
        : variant === 'action'
          ? { routing_key: emu.routingKey, dedup_key: 'k' }
          : variant;
    const reply = await postEvent(emu, '/v2/enqueue', body);
    expect(reply.status).toBe(400);
    expect(reply.body).toEqual({ status: 'invalid event', message: 'Event object is invalid', errors: [error] });
    expect(emu.incidents).toHaveLength(0);
  });

  it('records change events', async () => {
    const reply = await postEvent(emu, '/v2/change/enqueue', { routing_key: emu.routingKey, payload: { summary: 'deploy started', timestamp: '2025-01-01T00:00:00Z' } });
    expect(reply.status).toBe(202);
    expect(emu.events.at(-1)).toMatchObject({ kind: 'change', outcome: 'change', status: 202 });
  });

  it('injects faults on a path, in order, then recovers', async () => {
    emu.failNext(1, { status: 429, path: '/v2/enqueue' });
    emu.failNext(1, { status: 503, html: true });
    expect((await postEvent(emu, '/v2/enqueue', trigger(emu, 'k'))).status).toBe(429);
    const html = await postEvent(emu, '/v2/enqueue', trigger(emu, 'k'));
    expect(html.status).toBe(503);
    expect(html.headers['content-type']).toBe('text/html');
    expect((await postEvent(emu, '/v2/enqueue', trigger(emu, 'k'))).status).toBe(202);
    expect(emu.events.map((e) => e.outcome)).toEqual(['fault', 'fault', 'opened']);
  });

  it('refuses connections while down and serves again on the same port after up', async () => {
    await emu.down();
    await expect(postEvent(emu, '/v2/enqueue', trigger(emu, 'k'))).rejects.toMatchObject({ code: 'ECONNREFUSED' });
    await emu.up();
    expect((await postEvent(emu, '/v2/enqueue', trigger(emu, 'k'))).status).toBe(202);
  });

  it('resets connections in reset mode', async () => {
    await emu.down('reset');
    await expect(postEvent(emu, '/v2/enqueue', trigger(emu, 'k'))).rejects.toMatchObject({ code: 'ECONNRESET' });
    await emu.up();
    expect((await postEvent(emu, '/v2/enqueue', trigger(emu, 'k'))).status).toBe(202);
  });
});

describe('PagerDuty emulator: REST API v2', () => {
  let emu: PagerDutyEmulator;
  beforeEach(async () => {
    emu = await startPagerDutyEmulator({ apiToken: 'tok' });
  });
  afterEach(async () => {
    await emu.close();
  });

  it('answers 401 with the REST error envelope without a valid token', async () => {
    for (const token of [null, 'wrong']) {
      const reply = await getRest(emu, '/oncalls', token);
      expect(reply.status).toBe(401);
      expect(reply.body).toEqual({ error: { message: 'Unauthorized', code: 2006 } });
    }
  });

  it('lists on-calls filtered by policy, with user references or full users', async () => {
    const alice = emu.addUser({ name: 'Alice Ops', email: 'alice@acme.test' });
    const bob = emu.addUser({ name: 'Bob', email: 'bob@acme.test' });
    emu.setOnCall('PEPOL01', [alice.id]);
    emu.setOnCall('PEPOL02', [bob.id]);
    const refs = await getRest(emu, '/oncalls?escalation_policy_ids%5B%5D=PEPOL01');
    expect(refs.body).toMatchObject({ limit: 25, offset: 0, more: false, total: null, oncalls: [{ escalation_level: 1, user: { id: alice.id, type: 'user_reference' } }] });
    expect(JSON.stringify(refs.body)).not.toContain('alice@acme.test');
    const full = await getRest(emu, '/oncalls?escalation_policy_ids%5B%5D=PEPOL01&include%5B%5D=users');
    expect(full.body).toMatchObject({ oncalls: [{ user: { id: alice.id, type: 'user', email: 'alice@acme.test' } }] });
  });

  it('pages with limit, offset and more, capping limit at 100', async () => {
    const ids = Array.from({ length: 130 }, (_, n) => emu.addUser({ name: `U${n}`, email: `u${n}@acme.test` }).id);
    emu.setOnCall('P', ids);
    const first = (await getRest(emu, '/oncalls?limit=500')).body as { oncalls: unknown[]; limit: number; more: boolean };
    expect([first.oncalls.length, first.limit, first.more]).toEqual([100, 100, true]);
    const second = (await getRest(emu, '/oncalls?limit=100&offset=100&total=true')).body as { oncalls: unknown[]; more: boolean; total: number };
    expect([second.oncalls.length, second.more, second.total]).toEqual([30, false, 130]);
    expect((await getRest(emu, '/oncalls?limit=100&offset=9950')).status).toBe(400);
  });

  it('serves users by id and 404s unknown ones', async () => {
    const alice = emu.addUser({ name: 'Alice Ops', email: 'alice@acme.test' });
    expect((await getRest(emu, `/users/${alice.id}`)).body).toMatchObject({ user: { id: alice.id, email: 'alice@acme.test', type: 'user' } });
    const missing = await getRest(emu, '/users/PNOPE');
    expect(missing.status).toBe(404);
    expect(missing.body).toEqual({ error: { message: 'Not Found', code: 2100 } });
  });

  it('answers an injected 429 with the rate-limit body and headers', async () => {
    emu.failNext(1, { status: 429, path: '/oncalls' });
    const reply = await getRest(emu, '/oncalls');
    expect(reply.status).toBe(429);
    expect(reply.body).toEqual({ error: { message: 'Rate Limit Exceeded', code: 2020 } });
    expect(reply.headers['ratelimit-remaining']).toBe('0');
  });
});
