import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { type Server, createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from './free-port.js';
import { waitUntil } from './wait-until.js';

/** Where Debian's `prometheus` package installs the server. */
export const PROMETHEUS_BINARY = '/usr/bin/prometheus';

/** Why the real-Prometheus tests cannot run here, or undefined when they can. */
export function prometheusUnavailableReason(): string | undefined {
  return existsSync(PROMETHEUS_BINARY) ? undefined : `${PROMETHEUS_BINARY} is missing (install Debian's prometheus package)`;
}

const BUCKETS = [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

/**
 * A pretend web service for Prometheus to scrape. It does not serve traffic; each scrape adds the
 * requests that `requestsPerSecond` would have produced since the last one, split by `errorRatio` into
 * `code="500"` and `code="200"`, all taking `latencySeconds`. Counters only grow, as real ones do.
 */
export class ScrapedService {
  /** Share of requests answered with 500, 0..1; default 0. */
  errorRatio = 0;
  /** Duration every request is recorded with; default 0.02 s. */
  latencySeconds = 0.02;
  /** Simulated traffic; default 100 requests per second. */
  requestsPerSecond = 100;

  private ok = 0;
  private errors = 0;
  private readonly bucketCounts = BUCKETS.map(() => 0);
  private count = 0;
  private sum = 0;
  private last = Date.now();

  /** The exposition text of `/metrics`, advancing the simulated traffic to now. */
  scrape(now = Date.now()): string {
    const requests = Math.round(((now - this.last) / 1000) * this.requestsPerSecond);
    this.last = now;
    const failed = Math.round(requests * this.errorRatio);
    this.errors += failed;
    this.ok += requests - failed;
    this.count += requests;
    this.sum += requests * this.latencySeconds;
    BUCKETS.forEach((le, i) => {
      if (this.latencySeconds <= le) this.bucketCounts[i] = (this.bucketCounts[i] ?? 0) + requests;
    });
    return [
      '# HELP http_requests_total Requests served, by status code.',
      '# TYPE http_requests_total counter',
      `http_requests_total{code="200"} ${this.ok}`,
      `http_requests_total{code="500"} ${this.errors}`,
      '# HELP http_request_duration_seconds Request latency.',
      '# TYPE http_request_duration_seconds histogram',
      ...BUCKETS.map((le, i) => `http_request_duration_seconds_bucket{le="${le}"} ${this.bucketCounts[i]}`),
      `http_request_duration_seconds_bucket{le="+Inf"} ${this.count}`,
      `http_request_duration_seconds_sum ${this.sum}`,
      `http_request_duration_seconds_count ${this.count}`,
      '',
    ].join('\n');
  }
}

export interface PrometheusServer {
  /** `http://127.0.0.1:<port>` of the real Prometheus. */
  readonly url: string;
  /** The scraped service (job `web`); change its fields to change what Prometheus records. */
  readonly service: ScrapedService;
  /** Stops Prometheus and the service and deletes the storage directory. */
  stop(): Promise<void>;
}

export interface PrometheusServerOptions {
  /** Scrape and evaluation interval; default '1s'. */
  scrapeInterval?: string;
  /** How long to wait for the first successful scrape; default 30 s. */
  startTimeoutMs?: number;
}

/**
 * Starts a real Prometheus (`/usr/bin/prometheus`) with a temporary config and storage directory on a
 * free loopback port, scraping a `ScrapedService` as job `web`. Resolves once the target is up. Throws
 * (after cleaning up) if Prometheus exits or the target is not up within `startTimeoutMs`, quoting
 * Prometheus' last output.
 */
export async function startPrometheusServer(options: PrometheusServerOptions = {}): Promise<PrometheusServer> {
  const service = new ScrapedService();
  const http: Server = createServer((req, res) => {
    if (req.url === '/metrics') res.writeHead(200, { 'content-type': 'text/plain; version=0.0.4' }).end(service.scrape());
    else res.writeHead(404).end();
  });
  await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', () => resolve()));
  const servicePort = (http.address() as AddressInfo).port;

  const dir = await mkdtemp(join(tmpdir(), 'flightdeck-prometheus-'));
  const interval = options.scrapeInterval ?? '1s';
  const config = [
    'global:',
    `  scrape_interval: ${interval}`,
    `  evaluation_interval: ${interval}`,
    'scrape_configs:',
    '  - job_name: web',
    '    static_configs:',
    `      - targets: ['127.0.0.1:${servicePort}']`,
    '',
  ].join('\n');
  await writeFile(join(dir, 'prometheus.yml'), config);
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const output: string[] = [];
  const child: ChildProcess = spawn(
    PROMETHEUS_BINARY,
    [`--config.file=${join(dir, 'prometheus.yml')}`, `--storage.tsdb.path=${join(dir, 'data')}`, `--web.listen-address=127.0.0.1:${port}`, '--log.level=warn'],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  const keep = (chunk: Buffer): void => {
    output.push(chunk.toString('utf8'));
    if (output.length > 50) output.shift();
  };
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));

  const stop = async (): Promise<void> => {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGTERM');
      const killer = setTimeout(() => child.kill('SIGKILL'), 10_000);
      await exited;
      clearTimeout(killer);
    }
    http.closeAllConnections();
    await new Promise<void>((resolve) => http.close(() => resolve()));
    await rm(dir, { recursive: true, force: true });
  };

  try {
    await waitUntil(
      'Prometheus to scrape the test service',
      async () => {
        if (child.exitCode !== null) throw new Error(`prometheus exited with ${child.exitCode}`);
        const res = await fetch(`${url}/api/v1/targets?state=active`);
        const body = (await res.json()) as { data?: { activeTargets?: { health?: string }[] } };
        return body.data?.activeTargets?.some((t) => t.health === 'up') ? true : undefined;
      },
      options.startTimeoutMs ?? 30_000,
    );
  } catch (err) {
    await stop();
    throw new Error(`${err instanceof Error ? err.message : String(err)}\nprometheus output:\n${output.join('')}`);
  }
  return { url, service, stop };
}
