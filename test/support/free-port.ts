import { once } from 'node:events';
import { createServer, type AddressInfo, type Server } from 'node:net';

/** Asks the kernel for a free loopback port. */
export async function freePort(): Promise<number> {
  const [port] = await freePorts(1);
  return port!;
}

/**
 * Asks the kernel for `count` free loopback ports, all different: each is held until every one is known, since
 * asking one at a time may be answered with the same port twice (a Redis node then finds its port taken by
 * another node's cluster bus and exits, and the test waits for it in vain).
 */
export async function freePorts(count: number): Promise<number[]> {
  const servers: Server[] = [];
  try {
    for (let i = 0; i < count; i += 1) {
      const server = createServer();
      servers.push(server);
      server.listen(0, '127.0.0.1');
      await once(server, 'listening');
    }
    return servers.map((server) => (server.address() as AddressInfo).port);
  } finally {
    await Promise.all(servers.map((server) => new Promise((resolve) => server.close(resolve))));
  }
}
