import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { OpsRoute } from './ops-routes.js';

export interface OpsServer {
  /** The bound port (useful when 0 was asked for). */
  readonly port: number;
  /** Stops accepting connections, closes idle keep-alive ones and resolves when the rest are done. */
  close(): Promise<void>;
}

export interface OpsServerOptions {
  port: number;
  /** Default `0.0.0.0`, so the kubelet and Prometheus can reach it. */
  host?: string;
  routes: readonly OpsRoute[];
}

/**
 * A plain HTTP server for `/healthz`, `/readyz` and `/metrics` in a process without the Slack listener
 * (the worker role). Unknown paths get 404, other methods 405. Rejects when the port cannot be bound.
 */
export async function startOpsServer(options: OpsServerOptions): Promise<OpsServer> {
  const server = createServer((req, res) => {
    const path = new URL(req.url ?? '/', 'http://ops').pathname;
    const route = options.routes.find((candidate) => candidate.path === path);
    if (!route) {
      res.writeHead(404, { 'content-type': 'text/plain' }).end('not found\n');
    } else if (!route.method.includes(req.method ?? '')) {
      res.writeHead(405, { 'content-type': 'text/plain', allow: route.method.join(', ') }).end('method not allowed\n');
    } else {
      route.handler(req, res);
    }
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, options.host ?? '0.0.0.0', () => {
      server.off('error', reject);
      resolve();
    });
  });
  return {
    port: (server.address() as AddressInfo).port,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.close((err) => (err ? reject(err) : resolve()));
        server.closeIdleConnections();
      }),
  };
}
