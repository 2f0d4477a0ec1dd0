import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { freePort } from '../../support/free-port.js';
import { waitUntil } from '../../support/wait-until.js';

export const SENTINEL_PRIMARY_NAME = 'flightdeck';

/**
 * A primary, one replica and three sentinels (quorum 2), the smallest Sentinel deployment Redis documents as
 * sound, each a real process on its own port. Primary and replica write an append-only file with
 * `appendfsync always`. Replication is asynchronous, as Redis's is: what the primary acknowledged in the moment
 * before it died may not have reached the replica, which is what the failover scenario measures.
 */
export interface OwnSentinel {
  /** `redis+sentinel://…/flightdeck`: what flightdeck is given. */
  readonly url: string;
  /** The port the primary listens on now, as the sentinels report it. */
  primaryPort(): Promise<number>;
  /** SIGKILLs the current primary; resolves once it has exited. */
  killPrimary(): Promise<number>;
  /** Resolves once the sentinels name a primary other than `oldPort` and it answers as master. */
  awaitFailover(oldPort: number, timeoutMs: number): Promise<number>;
  destroy(): Promise<void>;
}

export async function startOwnSentinel(): Promise<OwnSentinel> {
  const dir = mkdtempSync(join(tmpdir(), 'flightdeck-faults-sentinel-'));
  const children = new Map<number, ChildProcess>();
  const start = (port: number, args: string[], binary = 'redis-server') => {
    const child = spawn(binary, args, { stdio: 'ignore' });
    children.set(port, child);
  };
  const ping = (port: number) =>
    waitUntil(`redis on ${port}`, async () => {
      const probe = new Redis({ port, host: '127.0.0.1', lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null });
      probe.on('error', () => {});
      try {
        await probe.connect();
        return (await probe.ping()) === 'PONG' ? true : undefined;
      } catch {
        return undefined;
      } finally {
        probe.disconnect();
      }
    });
  const server = (port: number, extra: string[]) => {
    const data = join(dir, String(port));
    mkdirSync(data);
    start(port, ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'yes', '--appendfsync', 'always', '--dir', data, ...extra]);
  };
  const primary = await freePort();
  const replica = await freePort();
  server(primary, []);
  await ping(primary);
  server(replica, ['--replicaof', '127.0.0.1', String(primary)]);
  await ping(replica);
  // Answering is not replicating: until its first sync is done the replica holds nothing of what the primary is
  // sent, and a primary killed then takes every run with it (the scenario measures what an in-sync replica lacks).
  const replicaClient = new Redis({ port: replica, host: '127.0.0.1', maxRetriesPerRequest: 1 });
  replicaClient.on('error', () => {});
  try {
    await waitUntil('the replica synced with the primary', async () => (/^master_link_status:up/m.test(await replicaClient.info('replication')) ? true : undefined), 30_000);
  } finally {
    replicaClient.disconnect();
  }
  const sentinelPorts = [await freePort(), await freePort(), await freePort()];
  for (const port of sentinelPorts) {
    const conf = join(dir, `sentinel-${port}.conf`);
    writeFileSync(
      conf,
      [
        `port ${port}`,
        'bind 127.0.0.1',
        `sentinel monitor ${SENTINEL_PRIMARY_NAME} 127.0.0.1 ${primary} 2`,
        `sentinel down-after-milliseconds ${SENTINEL_PRIMARY_NAME} 1000`,
        `sentinel failover-timeout ${SENTINEL_PRIMARY_NAME} 5000`,
        `sentinel parallel-syncs ${SENTINEL_PRIMARY_NAME} 1`,
        '',
      ].join('\n'),
    );
    start(port, [conf], 'redis-sentinel');
    await ping(port);
  }
  const sentinel = new Redis({ port: sentinelPorts[0], host: '127.0.0.1', maxRetriesPerRequest: 1 });
  sentinel.on('error', () => {});
  const primaryPort = async () => {
    const [, port] = (await sentinel.call('SENTINEL', 'get-master-addr-by-name', SENTINEL_PRIMARY_NAME)) as [string, string];
    return Number(port);
  };
  // The premise of every failover: the replica is in sync and the sentinels know each other and it.
  await waitUntil('the replica in sync and the sentinels agreeing', async () => {
    const info = (await sentinel.call('SENTINEL', 'master', SENTINEL_PRIMARY_NAME)) as string[];
    const field = (name: string) => Number(info[info.indexOf(name) + 1]);
    return field('num-slaves') >= 1 && field('num-other-sentinels') >= 2 ? true : undefined;
  }, 30_000);
  return {
    url: `redis+sentinel://${sentinelPorts.map((p) => `127.0.0.1:${p}`).join(',')}/${SENTINEL_PRIMARY_NAME}`,
    primaryPort,
    async killPrimary() {
      const port = await primaryPort();
      const child = children.get(port);
      if (!child || child.exitCode !== null) throw new Error(`the primary on ${port} is not a process this fixture started`);
      const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
      child.kill('SIGKILL');
      await exited;
      return port;
    },
    async awaitFailover(oldPort, timeoutMs) {
      return waitUntil('Sentinel to promote the replica', async () => {
        const port = await primaryPort();
        if (port === oldPort) return undefined;
        const promoted = new Redis({ port, host: '127.0.0.1', lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null });
        promoted.on('error', () => {});
        try {
          await promoted.connect();
          return ((await promoted.call('ROLE')) as string[])[0] === 'master' ? port : undefined;
        } catch {
          return undefined;
        } finally {
          promoted.disconnect();
        }
      }, timeoutMs);
    },
    async destroy() {
      sentinel.disconnect();
      for (const child of children.values()) if (child.exitCode === null) child.kill('SIGKILL');
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
