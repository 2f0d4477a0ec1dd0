import { once } from 'node:events';
import { createConnection, createServer, type AddressInfo, type Socket } from 'node:net';

/**
 * A TCP proxy to 127.0.0.1:`targetPort` that can hold what its clients send while the server's answers still
 * flow: a test can then let a client see a reply (a blocking pop returning) and act before its next command
 * reaches the server.
 */
export interface HoldingProxy {
  port: number;
  /** The local ports of the proxy's connections to the target: how the target names these clients. */
  upstreamPorts(): number[];
  /** From now on, what clients send is kept here instead of being forwarded. */
  hold(): void;
  /** Forwards what was kept, in the order it was sent, and everything after it. */
  release(): void;
  /** What clients sent while held, as text (RESP commands are readable). */
  held(): string;
  close(): Promise<void>;
}

export async function startHoldingProxy(targetPort: number): Promise<HoldingProxy> {
  const upstreams = new Set<Socket>();
  const sockets = new Set<Socket>();
  let holding = false;
  let kept: { to: Socket; chunk: Buffer }[] = [];
  const server = createServer((client) => {
    const upstream = createConnection({ host: '127.0.0.1', port: targetPort });
    upstreams.add(upstream);
    for (const socket of [client, upstream]) {
      sockets.add(socket);
      socket.on('error', () => {});
      socket.on('close', () => {
        sockets.delete(socket);
        upstreams.delete(socket);
        client.destroy();
        upstream.destroy();
      });
    }
    client.on('data', (chunk: Buffer) => {
      if (holding) kept.push({ to: upstream, chunk });
      else upstream.write(chunk);
    });
    upstream.pipe(client);
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return {
    port: (server.address() as AddressInfo).port,
    upstreamPorts: () => [...upstreams].map((socket) => socket.localPort).filter((port): port is number => port !== undefined),
    hold() {
      holding = true;
    },
    release() {
      holding = false;
      for (const { to, chunk } of kept) to.write(chunk);
      kept = [];
    },
    held: () => Buffer.concat(kept.map(({ chunk }) => chunk)).toString('latin1'),
    async close() {
      for (const socket of sockets) socket.destroy();
      server.close();
      await once(server, 'close');
    },
  };
}
