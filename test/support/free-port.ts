import { once } from 'node:events';
import { readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:net';

/** Asks for a free loopback port (see {@link freePorts}). */
export async function freePort(): Promise<number> {
  const [port] = await freePorts(1);
  return port!;
}

/**
 * The first port the kernel hands out as a connection's local port (Linux's `ip_local_port_range`, 32768 where
 * it cannot be read). Ports below it are never taken by an outgoing connection.
 */
function ephemeralStart(): number {
  try {
    const start = Number(readFileSync('/proc/sys/net/ipv4/ip_local_port_range', 'utf8').trim().split(/\s+/)[0]);
    return Number.isInteger(start) && start > 2048 ? start : 32768;
  } catch {
    return 32768;
  }
}

/** Where {@link freePorts} looks: between the ports services are configured on and the ephemeral range. */
const LOWEST = 10_000;

async function listenOn(port: number): Promise<Server | undefined> {
  const server = createServer();
  server.listen(port, '127.0.0.1');
  try {
    await Promise.race([once(server, 'listening'), once(server, 'error').then(([err]) => Promise.reject(err))]);
    return server;
  } catch {
    server.close();
    return undefined;
  }
}

/**
 * `count` free loopback ports, all different, each held until every one is known (asked one at a time, the same
 * port can come back twice: a Redis node then found its port taken by another node's cluster bus and exited).
 * They are picked at random below the ephemeral range: a port the kernel chose itself was sometimes taken, between
 * the test closing it and its server binding it, as the local port of one of the many connections tests open
 * (a server failed with EADDRINUSE).
 */
export async function freePorts(count: number): Promise<number[]> {
  const highest = ephemeralStart() - 1;
  const servers: Server[] = [];
  const ports = new Set<number>();
  try {
    for (let tries = 0; ports.size < count; tries += 1) {
      if (tries > 1000) throw new Error(`no ${count} free ports found between ${LOWEST} and ${highest}`);
      const port = LOWEST + Math.floor(Math.random() * (highest - LOWEST + 1));
      if (ports.has(port)) continue;
      const server = await listenOn(port);
      if (!server) continue;
      servers.push(server);
      ports.add(port);
    }
    return [...ports];
  } finally {
    await Promise.all(servers.map((server) => new Promise((resolve) => server.close(resolve))));
  }
}
