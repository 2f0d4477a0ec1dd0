import { spawn } from 'node:child_process';
import { Redis } from 'ioredis';
import { freePort } from '../test/support/free-port.js';
import { waitUntil } from '../test/support/wait-until.js';
import { RedisUseTally, WINDOW_END, WINDOW_START, type RedisUse } from './many-runs/tally-redis-uses.js';

/** A Redis server started for one measurement, so its command statistics count only what flightdeck sent. */
export interface BenchRedis {
  url: string;
  /** The server's process id, for its CPU time. */
  pid: number | undefined;
  /** A connection for the bench's own reads; its commands are counted too, so read only outside the window. */
  client: Redis;
  /** Zeroes `INFO commandstats` (CONFIG RESETSTAT). */
  resetStats(): Promise<void>;
  /** Calls per command since the last reset, without the bench's own INFO / CONFIG calls. */
  commandStats(): Promise<Record<string, number>>;
  /**
   * Starts counting every command the server runs by what it is for (RedisUseTally), on a MONITOR connection of its
   * own; commands count only between `startWindow` and `endWindow`. MONITOR slows the server: a pass that uses it
   * measures where the commands go, and its other figures are not comparable with a pass without it.
   */
  monitorUses(): Promise<UseMonitor>;
  stop(): Promise<void>;
}

export interface UseMonitor {
  /** Marks the start of the counted window: call right before the figures' own window starts. */
  startWindow(): Promise<void>;
  /** Marks its end, waits for the mark to come back through MONITOR, stops monitoring; the uses counted. */
  endWindow(): Promise<RedisUse[]>;
  /** Stops monitoring, should the pass end before its window did: the connection would otherwise retry forever. */
  close(): void;
}

/** How long the window's end mark may take to come back through MONITOR, behind the lines queued before it. */
const MONITOR_END_MS = 60_000;

/**
 * Starts `redis-server` on a free loopback port with persistence off. Fails when `redis-server` is not on
 * PATH or does not answer PING within 10 s (the process is killed then).
 */
export async function startBenchRedis(): Promise<BenchRedis> {
  const port = await freePort();
  const child = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], {
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let failure = '';
  child.on('error', (err) => (failure = `could not start redis-server (the bench needs it on PATH): ${err.message}`));
  child.stderr?.on('data', (chunk: Buffer) => (failure += chunk.toString()));
  const url = `redis://127.0.0.1:${port}`;
  const client = new Redis(url, { maxRetriesPerRequest: 1, lazyConnect: true, retryStrategy: () => 200 });
  // Refused connections are expected until the server has bound its port; waitUntil reports the last one.
  client.on('error', () => {});
  try {
    await waitUntil(`redis-server on port ${port}`, async () => {
      if (failure !== '') throw new Error(failure);
      if (client.status === 'wait') await client.connect();
      return (await client.ping()) === 'PONG' ? true : undefined;
    }, 10_000);
  } catch (err) {
    client.disconnect();
    child.kill('SIGKILL');
    throw err;
  }
  return {
    url,
    pid: child.pid,
    client,
    async resetStats() {
      await client.config('RESETSTAT');
    },
    async commandStats() {
      const info = await client.info('commandstats');
      const stats: Record<string, number> = {};
      for (const match of info.matchAll(/^cmdstat_([^:]+):calls=(\d+)/gm)) {
        const name = match[1] as string;
        if (name === 'info' || name.startsWith('config')) continue;
        stats[name] = Number(match[2]);
      }
      return stats;
    },
    async monitorUses() {
      const tally = new RedisUseTally();
      const monitor = await client.monitor();
      let ended: (() => void) | undefined;
      // A dropped connection shows as the end mark not coming back (endWindow), not as an unhandled error.
      monitor.on('error', () => {});
      monitor.on('monitor', (_time: string, args: string[], source: string) => {
        tally.add(args, source);
        if (args[0]?.toLowerCase() === 'echo' && args[1] === WINDOW_END) ended?.();
      });
      return {
        async startWindow() {
          await client.echo(WINDOW_START);
        },
        async endWindow() {
          let timer: NodeJS.Timeout | undefined;
          const seen = new Promise<void>((resolve, reject) => {
            ended = resolve;
            timer = setTimeout(() => reject(new Error(`the window's end mark did not come back through MONITOR within ${MONITOR_END_MS} ms`)), MONITOR_END_MS);
          });
          await client.echo(WINDOW_END);
          await seen.finally(() => {
            clearTimeout(timer);
            monitor.disconnect();
          });
          return tally.result();
        },
        close: () => monitor.disconnect(),
      };
    },
    async stop() {
      client.disconnect();
      if (child.exitCode !== null) return;
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.kill('SIGTERM');
      await exited;
    },
  };
}
