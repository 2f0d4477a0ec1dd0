import { connect, createServer, type Socket } from 'node:net';

/** One CONNECT the proxy accepted. */
export interface Tunnel {
  /** `host:port` as the client asked for it (the name, not what it resolves to). */
  target: string;
  /** The `Proxy-Authorization` header sent with the CONNECT, if any. */
  authorization: string | undefined;
  /**
   * Request lines (`POST /api/chat.postMessage`) the client sent through the tunnel, for plain-HTTP targets;
   * empty for TLS, which the proxy cannot read.
   */
  requests: string[];
}

export interface ConnectProxy {
  /** `http://127.0.0.1:<port>`, for HTTPS_PROXY and HTTP_PROXY. */
  readonly url: string;
  readonly tunnels: readonly Tunnel[];
  /** Every tunnelled `host:port`, once each, sorted. */
  targets(): string[];
  close(): Promise<void>;
}

const HEAD_END = '\r\n\r\n';
const REQUEST_LINE = /(?:^|\r\n)(GET|POST|PUT|PATCH|DELETE|HEAD|OPTIONS) (\S+) HTTP\/1\.1\r\n/g;

/**
 * A forward proxy that speaks only CONNECT, as a corporate egress proxy does for TLS: it records each
 * tunnel and relays bytes both ways. Any other method is answered 405, so a client that sends a plain
 * request to it (absolute-form GET) instead of tunnelling fails visibly. Any host name is connected as
 * given, so `localhost` works even though nothing resolves it for the client.
 */
export async function startConnectProxy(): Promise<ConnectProxy> {
  const tunnels: Tunnel[] = [];
  const sockets = new Set<Socket>();
  const server = createServer((client) => {
    sockets.add(client);
    client.on('close', () => sockets.delete(client));
    client.on('error', () => client.destroy());
    let head = '';
    const onData = (chunk: Buffer) => {
      head += chunk.toString('latin1');
      const end = head.indexOf(HEAD_END);
      if (end < 0) return;
      client.off('data', onData);
      client.pause();
      const lines = head.slice(0, end).split('\r\n');
      const rest = Buffer.from(head.slice(end + HEAD_END.length), 'latin1');
      const [method, target] = lines[0]!.split(' ');
      if (method !== 'CONNECT' || target === undefined) {
        client.end('HTTP/1.1 405 Method Not Allowed\r\nAllow: CONNECT\r\nContent-Length: 0\r\n\r\n');
        return;
      }
      const authorization = lines.find((line) => /^proxy-authorization:/i.test(line))?.replace(/^[^:]+:\s*/, '');
      const tunnel: Tunnel = { target, authorization, requests: [] };
      tunnels.push(tunnel);
      const record = (data: Buffer) => {
        for (const match of data.toString('latin1').matchAll(REQUEST_LINE)) tunnel.requests.push(`${match[1]} ${match[2]}`);
      };
      record(rest);
      const colon = target.lastIndexOf(':');
      const upstream = connect({ host: target.slice(0, colon).replace(/^\[|\]$/g, ''), port: Number(target.slice(colon + 1)), autoSelectFamily: true });
      sockets.add(upstream);
      upstream.on('close', () => sockets.delete(upstream));
      upstream.on('error', () => {
        if (!client.destroyed) client.end('HTTP/1.1 502 Bad Gateway\r\nContent-Length: 0\r\n\r\n');
      });
      upstream.once('connect', () => {
        client.write('HTTP/1.1 200 Connection Established\r\n\r\n');
        client.on('data', record);
        if (rest.length > 0) upstream.write(rest);
        client.pipe(upstream);
        upstream.pipe(client);
        client.resume();
      });
      client.on('close', () => upstream.destroy());
      upstream.on('close', () => client.destroy());
    };
    client.on('data', onData);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('proxy has no port');
  return {
    url: `http://127.0.0.1:${address.port}`,
    tunnels,
    targets: () => [...new Set(tunnels.map((t) => t.target))].sort(),
    async close() {
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
