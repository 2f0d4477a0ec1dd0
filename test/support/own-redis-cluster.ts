import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { Redis } from 'ioredis';
import { freePorts } from './free-port.js';
import { waitUntil } from './wait-until.js';

const run = promisify(execFile);

/**
 * A Redis Cluster of three masters, each with `replicas` replicas (real `redis-server --cluster-enabled yes`
 * processes on free ports), built with `redis-cli --cluster create`. Every node writes an append-only file with
 * `appendfsync always`; replication is asynchronous, as Redis's is. `cluster-node-timeout` is 1 s so a killed
 * master's replica takes over within seconds.
 */
export interface OwnRedisCluster {
  /** `redis+cluster://…` naming every master: what flightdeck is given. */
  readonly url: string;
  /** Ports of the nodes that are masters now. */
  masterPorts(): Promise<number[]>;
  /** The port of the master serving the hash slot of `key`. */
  masterOf(key: string): Promise<number>;
  /** The hash slot of `key`. */
  slotOf(key: string): Promise<number>;
  /** Every key on every master, with its slot and the port of the master holding it. */
  allKeys(): Promise<{ key: string; slot: number; port: number }[]>;
  /** Runs one command on the node on `port`. */
  command(port: number, ...args: string[]): Promise<unknown>;
  /** SIGKILLs the node on `port`; resolves once it has exited. */
  kill(port: number): Promise<void>;
  /** Resolves with the port of the master serving `key`'s slot once it is not `oldPort` and the cluster is ok. */
  awaitFailover(key: string, oldPort: number, timeoutMs: number): Promise<number>;
  destroy(): Promise<void>;
}

const MASTERS = 3;

export async function startOwnRedisCluster(replicas: 0 | 1): Promise<OwnRedisCluster> {
  const dir = mkdtempSync(join(tmpdir(), 'flightdeck-faults-cluster-'));
  const children = new Map<number, ChildProcess>();
  const ports: number[] = [];
  // The bus port defaults to port + 10000, which a free port may not have; each node gets a free one of its own.
  const free = await freePorts(2 * MASTERS * (1 + replicas));
  for (let i = 0; i < MASTERS * (1 + replicas); i += 1) {
    const port = free[2 * i]!;
    const busPort = free[2 * i + 1]!;
    const data = join(dir, String(port));
    mkdirSync(data);
    const args = ['--port', String(port), '--cluster-port', String(busPort), '--bind', '127.0.0.1', '--cluster-enabled', 'yes'];
    args.push('--cluster-config-file', join(data, 'nodes.conf'), '--cluster-node-timeout', '1000', '--save', '', '--appendonly', 'yes', '--appendfsync', 'always', '--dir', data);
    children.set(port, spawn('redis-server', args, { stdio: 'ignore' }));
    ports.push(port);
  }
  const client = (port: number) => {
    const node = new Redis({ port, host: '127.0.0.1', lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null });
    node.on('error', () => {});
    return node;
  };
  const ask = async <T>(port: number, work: (node: Redis) => Promise<T>): Promise<T> => {
    const node = client(port);
    try {
      await node.connect();
      return await work(node);
    } finally {
      node.disconnect();
    }
  };
  for (const port of ports) await waitUntil(`redis on ${port}`, () => ask(port, (node) => node.ping()).catch(() => undefined));
  await run('redis-cli', ['--cluster', 'create', ...ports.map((port) => `127.0.0.1:${port}`), '--cluster-replicas', String(replicas), '--cluster-yes']);
  const alive = () => ports.filter((port) => children.get(port)?.exitCode === null && children.get(port)?.signalCode === null);
  const slotsOf = (port: number) => ask(port, (node) => node.call('CLUSTER', 'SLOTS') as Promise<[number, number, [string, number, string]][]>);
  const masterOf = async (key: string) => {
    const [port] = alive();
    const slot = await ask(port!, (node) => node.call('CLUSTER', 'KEYSLOT', key) as Promise<number>);
    const range = (await slotsOf(port!)).find(([from, to]) => slot >= from && slot <= to);
    if (!range) throw new Error(`no master serves slot ${slot}`);
    return range[2][1];
  };
  const masterPorts = async () => (await slotsOf(alive()[0]!)).map(([, , master]) => master[1]);
  // The premise of every scenario: all slots served, every master with a replica in sync.
  await waitUntil('the cluster ok, every master with its replicas', async () => {
    const states = await Promise.all(ports.map((port) => ask(port, (node) => node.call('CLUSTER', 'INFO') as Promise<string>)));
    if (!states.every((info) => /cluster_state:ok/.test(info))) return undefined;
    const slots = await slotsOf(ports[0]!);
    return slots.every((range) => range.length >= 3 + replicas) ? true : undefined;
  }, 30_000);
  const masters = await masterPorts();
  return {
    url: `redis+cluster://${masters.map((port) => `127.0.0.1:${port}`).join(',')}`,
    masterPorts,
    masterOf,
    slotOf: (key) => ask(alive()[0]!, (node) => node.call('CLUSTER', 'KEYSLOT', key) as Promise<number>),
    async allKeys() {
      const found: { key: string; slot: number; port: number }[] = [];
      for (const port of await masterPorts()) {
        await ask(port, async (node) => {
          for (const key of await node.keys('*')) found.push({ key, slot: (await node.call('CLUSTER', 'KEYSLOT', key)) as number, port });
        });
      }
      return found;
    },
    command: (port, ...args) => ask(port, (node) => node.call(args[0]!, ...args.slice(1))),
    async kill(port) {
      const child = children.get(port);
      if (!child || child.exitCode !== null) throw new Error(`the node on ${port} is not a process this fixture started`);
      const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
      child.kill('SIGKILL');
      await exited;
    },
    async awaitFailover(key, oldPort, timeoutMs) {
      return waitUntil('a replica to take over the killed master\'s slots', async () => {
        const port = await masterOf(key);
        if (port === oldPort) return undefined;
        const info = await ask(port, (node) => node.call('CLUSTER', 'INFO') as Promise<string>);
        return /cluster_state:ok/.test(info) ? port : undefined;
      }, timeoutMs);
    },
    async destroy() {
      for (const child of children.values()) if (child.exitCode === null) child.kill('SIGKILL');
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
