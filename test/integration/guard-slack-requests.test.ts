import { createServer, request, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Writable } from 'node:stream';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createLogger } from '../../src/observability/create-logger.js';
import { BODY_LIMIT_BYTES, guardSlackRequests } from '../../src/slack/guard-slack-requests.js';
import { signSlackRequest } from '../../sandbox/slack/index.js';

const SECRET = 'guard-signing-secret';
const FORM = 'application/x-www-form-urlencoded';
/** A fixed clock, so the window is tested against a known "now". */
const NOW_SECONDS = 1_700_000_000;

let server: Server;
let url: string;
/** What reached the wrapped listener: method, path and the body it was handed. */
const passed: Array<{ method: string; path: string; rawBody: string | undefined }> = [];

beforeAll(async () => {
  const quiet = createLogger('silent', new Writable({ write: (_chunk, _encoding, done) => done() }));
  const next = (req: IncomingMessage & { rawBody?: Buffer }, res: ServerResponse) => {
    passed.push({ method: req.method ?? '', path: req.url ?? '', rawBody: req.rawBody?.toString() });
    res.writeHead(200);
    res.end('next');
  };
  server = createServer(guardSlackRequests(next, { signingSecret: SECRET, path: '/slack/events', logger: quiet, now: () => NOW_SECONDS * 1000 }));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  await new Promise((resolve) => server.close(resolve));
});

beforeEach(() => {
  passed.length = 0;
});

function post(body: string, headers: Record<string, string>, path = '/slack/events') {
  return fetch(`${url}${path}`, { method: 'POST', headers, body }).then(async (response) => ({ status: response.status, text: await response.text() }));
}

const signed = (body: string, timestampSeconds = NOW_SECONDS) => ({ 'content-type': FORM, ...signSlackRequest(SECRET, body, timestampSeconds) });

describe('guardSlackRequests', () => {
  it('hands a correctly signed, well-formed request to the next listener with the body already read', async () => {
    const body = 'command=%2Fdeploy&text=help';
    expect(await post(body, signed(body))).toEqual({ status: 200, text: 'next' });
    expect(passed).toEqual([{ method: 'POST', path: '/slack/events', rawBody: body }]);
  });

  it.each([
    ['6 minutes ahead', NOW_SECONDS + 360],
    ['6 minutes old', NOW_SECONDS - 360],
  ])('answers 401 to a correctly signed request dated %s, and nothing else runs', async (_when, timestamp) => {
    const body = 'command=%2Fdeploy&text=web+v1+to+production';
    expect(await post(body, signed(body, timestamp))).toEqual({ status: 401, text: '' });
    expect(passed).toEqual([]);
  });

  it('answers 401 before looking at the body, so an unsigned malformed body is not told apart from a forged one', async () => {
    expect((await post('payload=null', { 'content-type': FORM })).status).toBe(401);
    expect(passed).toEqual([]);
  });

  it('answers 400 with the reason to a signed interaction whose payload is null, and nothing else runs', async () => {
    const response = await post('payload=null', signed('payload=null'));
    expect(response).toEqual({ status: 400, text: 'flightdeck could not read this request: `payload` is not a JSON object with a string `type`.' });
    expect(passed).toEqual([]);
  });

  it('lets an unsigned ssl_check through as the probe alone, whatever else it carries', async () => {
    expect((await post('ssl_check=1&token=x&command=%2Fdeploy&text=api+v1+to+production', { 'content-type': FORM })).status).toBe(200);
    expect(passed).toEqual([{ method: 'POST', path: '/slack/events', rawBody: 'ssl_check=1' }]);
  });

  it('answers 413 to a signed body over 1 MiB', async () => {
    const body = `command=%2Fdeploy&text=${'a'.repeat(BODY_LIMIT_BYTES)}`;
    expect((await post(body, signed(body))).status).toBe(413);
    expect(passed).toEqual([]);
  });

  it('refuses an unsigned body too long to be an ssl_check without handing it on', async () => {
    expect((await post(`ssl_check=1&token=${'x'.repeat(2048)}`, { 'content-type': FORM })).status).toBe(401);
    expect(passed).toEqual([]);
  });

  it.each([
    ['without the signature headers', { 'content-type': 'application/json' }],
    ['dated outside the window', { 'content-type': FORM, 'x-slack-request-timestamp': String(NOW_SECONDS - 360), 'x-slack-signature': 'v0=00' }],
    ['declaring a body over the limit', { ...signed('x'), 'content-length': String(BODY_LIMIT_BYTES + 1) }],
  ])('answers a request %s before its body has been sent', async (_case, headers) => {
    // The body is never finished: an answer can only come from the headers.
    const status = await new Promise<number>((resolve, reject) => {
      const req = request(`${url}/slack/events`, { method: 'POST', headers }, (res) => {
        resolve(res.statusCode ?? 0);
        res.resume();
        req.destroy();
      });
      req.on('error', reject);
      req.write('command=%2Fdeploy');
    });
    expect(status).toBe('content-length' in headers ? 413 : 401);
    expect(passed).toEqual([]);
  });

  it('answers 413 while a chunked body is still arriving, once it passes the limit', async () => {
    const status = await new Promise<number>((resolve, reject) => {
      const req = request(`${url}/slack/events`, { method: 'POST', headers: signed('x') }, (res) => {
        resolve(res.statusCode ?? 0);
        res.resume();
        req.destroy();
      });
      req.on('error', (err) => (req.destroyed ? undefined : reject(err)));
      req.write('a'.repeat(BODY_LIMIT_BYTES + 1));
    });
    expect(status).toBe(413);
    expect(passed).toEqual([]);
  });

  it('leaves every other route to the next listener untouched', async () => {
    expect((await fetch(`${url}/healthz`)).status).toBe(200);
    expect((await post('x', {}, '/elsewhere')).status).toBe(200);
    expect(passed.map((p) => `${p.method} ${p.path} ${p.rawBody ?? '-'}`)).toEqual(['GET /healthz -', 'POST /elsewhere -']);
  });
});
