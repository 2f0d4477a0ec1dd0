import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { freePort } from '../../support/free-port.js';
import { waitUntil } from '../../support/wait-until.js';

/**
 * A private redis-server for the scenarios that stop Redis: the shared one on 6379 is never restarted.
 * Append-only file with `appendfsync always`, so what Redis acknowledged survives even a SIGKILL.
 */
export interface OwnRedis {
  readonly url: string;
  /** Stops the server: SIGTERM (clean shutdown) or SIGKILL (crash). Resolves once it has exited. */
  stop(signal: 'SIGTERM' | 'SIGKILL'): Promise<void>;
  /** Starts it again on the same port and data folder; resolves once it answers PING. */
  start(): Promise<void>;
  /** Stops it for good and removes its data. */
  destroy(): Promise<void>;
}

export async function startOwnRedis(): Promise<OwnRedis> {
  const port = await freePort();
  const dir = mkdtempSync(join(tmpdir(), 'flightdeck-faults-redis-'));
  let child: ChildProcess | undefined;
  const url = `redis://127.0.0.1:${port}`;
  const start = async () => {
    child = spawn(
      'redis-server',
      ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'yes', '--appendfsync', 'always', '--dir', dir],
      { stdio: 'ignore' },
    );
    const probe = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null });
    probe.on('error', () => {});
    await waitUntil(`redis-server on ${port}`, async () => {
      if (child?.exitCode !== null) throw new Error(`redis-server exited with ${child?.exitCode}`);
      try {
        if (probe.status !== 'ready') await probe.connect();
        return (await probe.ping()) === 'PONG' ? true : undefined;
      } catch {
        probe.disconnect();
        return undefined;
      }
    });
    probe.disconnect();
  };
  const stop = async (signal: 'SIGTERM' | 'SIGKILL') => {
    const running = child;
    if (!running || running.exitCode !== null) return;
    const exited = new Promise<void>((resolve) => running.once('exit', () => resolve()));
    running.kill(signal);
    await exited;
  };
  await start();
  return {
    url,
    stop,
    start,
    async destroy() {
      await stop('SIGKILL');
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
