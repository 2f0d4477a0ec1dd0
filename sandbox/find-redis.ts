import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { connect, createServer, type AddressInfo } from 'node:net';
import { FlightdeckError } from '../src/errors/flightdeck-error.js';

export interface SandboxRedis {
  url: string;
  /** Where it came from, for the sandbox's log. */
  source: 'REDIS_URL' | 'localhost' | 'started';
  /** Stops the redis-server the sandbox started; nothing for a Redis it found. */
  stop(): Promise<void>;
}

export const INSTALL_REDIS = 'flightdeck sandbox needs Redis: install redis-server (apt-get install redis-server, brew install redis) or set REDIS_URL';

/** Resolves whether a Redis answers PING on host:port within a second. */
export function redisAnswers(host: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host, port });
    const done = (answer: boolean) => {
      socket.destroy();
      resolve(answer);
    };
    socket.setTimeout(1000, () => done(false));
    socket.once('error', () => done(false));
    socket.once('connect', () => socket.write('PING\r\n'));
    socket.once('data', (data) => done(data.toString().startsWith('+PONG')));
  });
}

/** A port nothing listens on right now on 127.0.0.1. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

/**
 * Redis for the sandbox: REDIS_URL when set, else one answering on 127.0.0.1:6379, else a redis-server from
 * the PATH on a free loopback port with its files under `dataDir`, stopped again by `stop()`.
 *
 * @throws FlightdeckError `redis-unavailable` with {@link INSTALL_REDIS} when none of those is possible.
 */
export async function findRedis(redisUrl: string | undefined, dataDir: string): Promise<SandboxRedis> {
  if (redisUrl) return { url: redisUrl, source: 'REDIS_URL', stop: async () => {} };
  if (await redisAnswers('127.0.0.1', 6379)) return { url: 'redis://127.0.0.1:6379', source: 'localhost', stop: async () => {} };
  mkdirSync(dataDir, { recursive: true });
  const port = await freePort();
  const child = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--dir', dataDir, '--save', '', '--appendonly', 'no'], {
    stdio: 'ignore',
  });
  const started = await new Promise<boolean>((resolve) => {
    child.once('error', () => resolve(false));
    const poll = async (attempt: number): Promise<void> => {
      if (child.exitCode !== null) return resolve(false);
      if (await redisAnswers('127.0.0.1', port)) return resolve(true);
      if (attempt > 50) return resolve(false);
      setTimeout(() => void poll(attempt + 1), 100);
    };
    void poll(0);
  });
  if (!started) {
    child.kill();
    throw new FlightdeckError('redis-unavailable', INSTALL_REDIS);
  }
  return { url: `redis://127.0.0.1:${port}`, source: 'started', stop: () => stopChild(child) };
}

function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    child.once('exit', () => resolve());
    child.kill('SIGTERM');
  });
}
