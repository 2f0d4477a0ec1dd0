import { type Server, type Socket, createServer } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { postgresProbe } from '../../src/probes/postgres-probe.js';
import type { ProbeContext } from '../../src/probes/probe-provider.js';
import { postgresProbeSchema, redisProbeSchema, tcpProbeSchema } from '../../src/probes/probe-types.js';
import { redisProbe } from '../../src/probes/redis-probe.js';
import { tcpProbe } from '../../src/probes/tcp-probe.js';
import { freePort } from '../support/free-port.js';

const ctx = (extra: Partial<ProbeContext> = {}): ProbeContext => ({ signal: new AbortController().signal, timeoutMs: 3000, now: () => Date.now(), ...extra });

const servers: Server[] = [];
const sockets: Socket[] = [];
afterEach(async () => {
  for (const s of sockets.splice(0)) s.destroy();
  await Promise.all(servers.splice(0).map((s) => new Promise((resolve) => s.close(resolve))));
});

/** A TCP server on loopback that hands each connection to `onConnection` (default: accept and stay silent). */
async function fakeServer(onConnection: (socket: Socket) => void = () => undefined): Promise<number> {
  const server = createServer((socket) => {
    sockets.push(socket);
    socket.on('error', () => undefined);
    onConnection(socket);
  });
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  return (server.address() as { port: number }).port;
}

describe('tcp probe', () => {
  it('succeeds when the port accepts a connection', async () => {
    const port = await fakeServer();
    const m = await tcpProbe.measure(tcpProbeSchema.parse({ type: 'tcp', host: '127.0.0.1', port }), ctx());
    expect(m).toMatchObject({ outcome: 'successful', message: expect.stringContaining(`tcp 127.0.0.1:${port} accepted a connection`) });
    expect(typeof m.value).toBe('number');
  });

  it('is an error when the port refuses', async () => {
    const m = await tcpProbe.measure(tcpProbeSchema.parse({ type: 'tcp', host: '127.0.0.1', port: await freePort() }), ctx());
    expect(m).toMatchObject({ outcome: 'error', message: expect.stringContaining('connection refused') });
  });

  it('is an error when the host does not resolve', async () => {
    const m = await tcpProbe.measure(tcpProbeSchema.parse({ type: 'tcp', host: 'no-such-host.invalid', port: 80 }), ctx());
    expect(m.outcome).toBe('error');
  });
});

describe('redis probe', () => {
  it('answers PONG from the real Redis', async () => {
    const m = await redisProbe.measure(redisProbeSchema.parse({ type: 'redis', url: 'redis://127.0.0.1:6379' }), ctx());
    expect(m).toMatchObject({ outcome: 'successful', value: 'PONG' });
  });

  it('is an error when the port refuses', async () => {
    const m = await redisProbe.measure(redisProbeSchema.parse({ type: 'redis', url: `redis://127.0.0.1:${await freePort()}` }), ctx());
    expect(m).toMatchObject({ outcome: 'error', message: expect.stringContaining('connection refused') });
  });

  it('is an error when the server never answers', async () => {
    const port = await fakeServer();
    const m = await redisProbe.measure(redisProbeSchema.parse({ type: 'redis', url: `redis://127.0.0.1:${port}` }), ctx({ timeoutMs: 200 }));
    expect(m).toMatchObject({ outcome: 'error', message: expect.stringContaining('timed out after 200 ms') });
  });

  it('fails when the server answers PING with an error', async () => {
    const port = await fakeServer((socket) => {
      socket.on('data', (data) => {
        const info = '# Server\r\nredis_version:7.0.0\r\n';
        for (const [, command = ''] of data.toString('utf8').matchAll(/\*\d+\r\n\$\d+\r\n(\w+)/g)) {
          if (/^ping$/i.test(command)) socket.write('-MASTERDOWN Link with MASTER is down and replica-serve-stale-data is set to no\r\n');
          else if (/^info$/i.test(command)) socket.write(`$${Buffer.byteLength(info)}\r\n${info}\r\n`);
          else socket.write('+OK\r\n');
        }
      });
    });
    const m = await redisProbe.measure(redisProbeSchema.parse({ type: 'redis', url: `redis://:hunter2@127.0.0.1:${port}` }), ctx());
    expect(m).toMatchObject({ outcome: 'failed', message: expect.stringContaining('MASTERDOWN') });
    expect(m.message).not.toContain('hunter2');
  });
});

describe('postgres probe', () => {
  it('runs SELECT 1 on the real PostgreSQL', async () => {
    const m = await postgresProbe.measure(postgresProbeSchema.parse({ type: 'postgres', url: 'postgres://postgres@127.0.0.1:5432/postgres' }), ctx());
    expect(m).toMatchObject({ outcome: 'successful', message: expect.stringContaining('answered SELECT 1') });
  });

  it('is an error when the port refuses', async () => {
    const m = await postgresProbe.measure(postgresProbeSchema.parse({ type: 'postgres', url: `postgres://postgres:pw@127.0.0.1:${await freePort()}/postgres` }), ctx());
    expect(m).toMatchObject({ outcome: 'error', message: expect.stringContaining('connection refused') });
    expect(m.message).not.toContain('pw@');
  });

  it('is an error for a database that does not exist', async () => {
    const m = await postgresProbe.measure(postgresProbeSchema.parse({ type: 'postgres', url: 'postgres://postgres@127.0.0.1:5432/flightdeck_no_such_db' }), ctx());
    expect(m).toMatchObject({ outcome: 'error', message: expect.stringContaining('does not exist') });
  });

  it('is an error when the server never answers', async () => {
    const port = await fakeServer();
    const m = await postgresProbe.measure(postgresProbeSchema.parse({ type: 'postgres', url: `postgres://postgres@127.0.0.1:${port}/postgres` }), ctx({ timeoutMs: 200 }));
    expect(m).toMatchObject({ outcome: 'error', message: expect.stringContaining('timed out after 200 ms') });
  });

  it('fails when the server is starting up (SQLSTATE 57P03)', async () => {
    const port = await fakeServer((socket) => {
      socket.once('data', () => {
        const fields = Buffer.from('SFATAL\0VFATAL\0C57P03\0Mthe database system is starting up\0\0', 'utf8');
        const header = Buffer.alloc(5);
        header.write('E', 0, 'utf8');
        header.writeInt32BE(fields.length + 4, 1);
        socket.end(Buffer.concat([header, fields]));
      });
    });
    const m = await postgresProbe.measure(postgresProbeSchema.parse({ type: 'postgres', url: `postgres://postgres@127.0.0.1:${port}/postgres` }), ctx());
    expect(m).toMatchObject({ outcome: 'failed', message: expect.stringContaining('57P03') });
  });
});
