import type { IncomingMessage, ServerResponse } from 'node:http';
import type { FlightdeckMetrics } from './create-metrics.js';
import type { ReadinessReport } from './check-readiness.js';
import { renderWithWorker } from './merge-worker-metrics.js';
import type { MetricFamily } from '../roles/worker-messages.js';

/** A GET route in the shape Bolt's `customRoutes` takes, so the web role and the worker's own server share it. */
export interface OpsRoute {
  path: string;
  method: string[];
  handler: (req: IncomingMessage, res: ServerResponse) => void;
}

export interface OpsRoutesOptions {
  readiness: () => Promise<ReadinessReport>;
  metrics: FlightdeckMetrics;
  /** True once shutdown began: `/readyz` then answers 503 so no new traffic is routed here. */
  isStopping: () => boolean;
  /** In role `all`: the supervised worker process's counters and histograms, added into `/metrics`. */
  workerMetrics?: () => Promise<MetricFamily[]>;
}

function sendJson(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json', 'cache-control': 'no-store' });
  res.end(text);
}

/**
 * `/healthz` (liveness: the event loop answers), `/readyz` (dependencies answer; 503 with the failing
 * checks otherwise) and `/metrics` (Prometheus text format). Handlers never throw: failures become 5xx.
 */
export function createOpsRoutes(options: OpsRoutesOptions): OpsRoute[] {
  return [
    {
      path: '/healthz',
      method: ['GET'],
      handler: (_req, res) => sendJson(res, 200, { ok: true }),
    },
    {
      path: '/readyz',
      method: ['GET'],
      handler: (_req, res) => {
        if (options.isStopping()) {
          sendJson(res, 503, { ready: false, checks: { shutdown: 'stopping' } });
          return;
        }
        options.readiness().then(
          (report) => sendJson(res, report.ready ? 200 : 503, report),
          (err: unknown) => sendJson(res, 503, { ready: false, checks: { readiness: String(err) } }),
        );
      },
    },
    {
      path: '/metrics',
      method: ['GET'],
      handler: (_req, res) => {
        const { registry } = options.metrics;
        const text = options.workerMetrics ? options.workerMetrics().then((families) => renderWithWorker(registry, families)) : registry.metrics();
        text.then(
          (text) => {
            res.writeHead(200, { 'content-type': registry.contentType });
            res.end(text);
          },
          (err: unknown) => sendJson(res, 500, { error: `metrics collection failed: ${String(err)}` }),
        );
      },
    },
  ];
}
