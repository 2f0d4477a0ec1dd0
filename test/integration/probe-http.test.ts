import { type Server, createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseConnectToRules } from '../../src/config/connect-to-rules.js';
import { createHttpProbe } from '../../src/probes/http-probe.js';
import type { ProbeContext } from '../../src/probes/probe-provider.js';
import { httpProbeSchema } from '../../src/probes/probe-types.js';
import { freePort } from '../support/free-port.js';
import { serveEndlessly } from '../support/serve-endlessly.js';

const httpProbe = createHttpProbe([]);
let server: Server;
let base: string;
const seen: { url: string | undefined; headers: Record<string, string | string[] | undefined> }[] = [];
/** One per request to `/endless`: settles when the server sees that client close the connection. */
const endless: Promise<void>[] = [];

/** `bytes` bytes of two-byte characters (one `x` first when odd) ending in `END`. */
const bodyOfBytes = (bytes: number): string => `${(bytes - 3) % 2 ? 'x' : ''}${'é'.repeat(Math.floor((bytes - 3) / 2))}END`;

beforeAll(async () => {
  server = createServer((req, res) => {
    seen.push({ url: req.url, headers: req.headers });
    const json = (status: number, body: unknown): void => void res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
    switch (new URL(req.url ?? '/', 'http://127.0.0.1').pathname) {
      case '/health':
        return json(200, { status: 'ok', checks: [{ name: 'db', ok: true, latency: 3 }], 'build-info': { version: '1.2.3' } });
      case '/degraded':
        return json(200, { status: 'degraded', checks: [{ name: 'db', ok: false }] });
      case '/down':
        return json(503, { status: 'down' });
      case '/text':
        return void res.writeHead(200, { 'content-type': 'text/plain' }).end('all systems nominal');
      case '/moved':
        return void res.writeHead(302, { location: '/health' }).end();
      case '/slow':
        return void setTimeout(() => json(200, { status: 'ok' }), 300);
      case '/hang':
        return; // never answers
      case '/endless':
        return void endless.push(serveEndlessly(res, 'status: ok\n', 'x'.repeat(16 * 1024)));
      default: {
        const sized = /^\/bytes\/(\d+)$/.exec(req.url ?? '');
        if (sized) return void res.writeHead(200, { 'content-type': 'text/plain; charset=utf-8' }).end(bodyOfBytes(Number(sized[1])));
        return json(404, { error: 'not found' });
      }
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(async () => {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
});

const ctx = (extra: Partial<ProbeContext> = {}): ProbeContext => ({ signal: new AbortController().signal, timeoutMs: 3000, now: () => Date.now(), ...extra });
const probe = (input: Record<string, unknown>) => httpProbeSchema.parse({ type: 'http', ...input });

describe('http probe', () => {
  it.each([
    ['plain 200', { url: '/health' }, 'successful'],
    ['body contains', { url: '/text', bodyContains: 'nominal' }, 'successful'],
    ['JSON path equals', { url: '/health', jsonPath: '$.status', equals: 'ok' }, 'successful'],
    ['nested JSON path', { url: '/health', jsonPath: '$.checks[0].ok', equals: true }, 'successful'],
    ['bracketed key', { url: '/health', jsonPath: '$["build-info"].version', equals: '1.2.3' }, 'successful'],
    ['JSON path exists', { url: '/health', jsonPath: 'checks[0].latency' }, 'successful'],
    ['redirects are followed', { url: '/moved', jsonPath: '$.status', equals: 'ok' }, 'successful'],
    ['expected 503 from a list', { url: '/down', expectStatus: [200, 503] }, 'successful'],
    ['within a generous latency bound', { url: '/health', maxLatencyMs: 10_000 }, 'successful'],
    ['wrong status', { url: '/down' }, 'failed'],
    ['JSON path mismatch', { url: '/degraded', jsonPath: '$.status', equals: 'ok' }, 'failed'],
    ['JSON path missing', { url: '/health', jsonPath: '$.checks[3].ok', equals: true }, 'failed'],
    ['body lacks text', { url: '/text', bodyContains: 'outage' }, 'failed'],
    ['slower than the bound', { url: '/slow', maxLatencyMs: 50 }, 'failed'],
    ['body is not JSON', { url: '/text', jsonPath: '$.status', equals: 'ok' }, 'error'],
  ] as const)('%s → %s', async (_name, input, outcome) => {
    const m = await httpProbe.measure(probe({ ...input, url: `${base}${input.url}` }), ctx());
    expect(m.outcome, m.message).toBe(outcome);
  });

  it('reports status and the failed check in the message', async () => {
    const m = await httpProbe.measure(probe({ url: `${base}/degraded`, jsonPath: '$.status', equals: 'ok' }), ctx());
    expect(m).toMatchObject({ outcome: 'failed', value: 200 });
    expect(m.message).toMatch(/^GET http:\/\/127\.0\.0\.1:\d+\/degraded answered 200 in \d+ ms; \$\.status is "degraded", expected "ok"$/);
    const wrong = await httpProbe.measure(probe({ url: `${base}/down` }), ctx());
    expect(wrong).toMatchObject({ value: 503, message: expect.stringContaining('expected 200') });
  });

  it('sends the method and headers it is given', async () => {
    seen.length = 0;
    await httpProbe.measure(probe({ url: `${base}/health`, method: 'HEAD', headers: { 'x-probe': 'flightdeck' } }), ctx());
    expect(seen.find((r) => r.url === '/health')?.headers['x-probe']).toBe('flightdeck');
  });

  it('reads an endless body only up to 1,000,000 bytes, matches on them and lets the connection go', async () => {
    endless.length = 0;
    const contains = await httpProbe.measure(probe({ url: `${base}/endless`, bodyContains: 'status: ok' }), ctx());
    expect(contains).toMatchObject({ outcome: 'successful', value: 200 });
    const json = await httpProbe.measure(probe({ url: `${base}/endless`, jsonPath: '$.status' }), ctx());
    expect(json).toMatchObject({ outcome: 'error', message: expect.stringContaining('the body is longer than 1,000,000 bytes, so $.status cannot be read') });
    expect(endless).toHaveLength(2);
    await Promise.all(endless); // the server saw each probe close its connection
  });

  it('matches a body of exactly 1,000,000 bytes whole and cuts one byte longer, counting bytes, not characters', async () => {
    expect(Buffer.byteLength(bodyOfBytes(1_000_001))).toBe(1_000_001);
    const at = await httpProbe.measure(probe({ url: `${base}/bytes/1000000`, bodyContains: 'END' }), ctx());
    expect(at.outcome, at.message).toBe('successful');
    const past = await httpProbe.measure(probe({ url: `${base}/bytes/1000001`, bodyContains: 'END' }), ctx());
    expect(past).toMatchObject({ outcome: 'failed', message: expect.stringContaining(`the body's first 1,000,000 bytes do not contain "END"`) });
  });

  it('is an error when the port refuses the connection', async () => {
    const m = await httpProbe.measure(probe({ url: `http://127.0.0.1:${await freePort()}/health` }), ctx());
    expect(m).toMatchObject({ outcome: 'error', message: expect.stringContaining('connection refused') });
    expect(m.value).toBeUndefined();
  });

  it('is an error when the answer does not come within the timeout', async () => {
    const m = await httpProbe.measure(probe({ url: `${base}/hang` }), ctx({ timeoutMs: 150 }));
    expect(m).toMatchObject({ outcome: 'error', message: expect.stringContaining('timed out after 150 ms') });
  });

  it('is an error when cancelled', async () => {
    const controller = new AbortController();
    const pending = httpProbe.measure(probe({ url: `${base}/hang` }), ctx({ signal: controller.signal }));
    controller.abort();
    expect(await pending).toMatchObject({ outcome: 'error', message: expect.stringContaining('cancelled') });
  });

  it('sends URL credentials as Basic authentication and keeps them and query strings out of messages', async () => {
    seen.length = 0;
    const ok = await httpProbe.measure(probe({ url: `${base.replace('http://', 'http://user:secret@')}/health?token=abc` }), ctx());
    expect(ok.outcome).toBe('successful');
    expect(seen.find((r) => r.url === '/health?token=abc')?.headers.authorization).toBe(`Basic ${Buffer.from('user:secret').toString('base64')}`);
    const refused = await httpProbe.measure(probe({ url: `http://user:secret@127.0.0.1:${await freePort()}/health?token=abc` }), ctx());
    for (const m of [ok, refused]) expect(m.message).not.toMatch(/secret|token|abc/);
  });

  it('connects where a PROBE_CONNECT_TO rule says, naming the URL as written', async () => {
    seen.length = 0;
    const parsed = parseConnectToRules(`*.svc.cluster.local:80=${base.replace('http://', '')}`);
    if (!('rules' in parsed)) throw new Error(`bad rules: ${parsed.bad}`);
    const connected = createHttpProbe(parsed.rules);
    const m = await connected.measure(probe({ url: 'http://api.shop.svc.cluster.local/health?x=1' }), ctx());
    expect(m).toMatchObject({ outcome: 'successful', value: 200 });
    expect(m.message).toContain('api.shop.svc.cluster.local');
    // Only health requests count: a `/hang` left over from a timeout test may still arrive in any order.
    const health = () => seen.map((r) => r.url).filter((url) => url?.startsWith('/health'));
    expect(health()).toEqual(['/health?x=1']);
    // Another port, or a host outside the suffix, is left alone (and so is not reached here).
    const otherPort = await connected.measure(probe({ url: 'http://api.shop.svc.cluster.local:8080/health' }), ctx({ timeoutMs: 500 }));
    expect(otherPort.outcome).toBe('error');
    expect(health()).toEqual(['/health?x=1']);
    expect(parseConnectToRules('api:80=127.0.0.1')).toEqual({ bad: 'api:80=127.0.0.1' });
  });
});
