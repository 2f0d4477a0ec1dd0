import { readFileSync } from 'node:fs';
import { createServer, request, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { join } from 'node:path';
import { z } from 'zod';
import type { DemoMetrics } from './demo-metrics.js';
import type { AckReply } from './sandbox-snapshot.js';
import type { SandboxWorld } from './sandbox-world.js';
import type { DriverResponse, SlackDriver, SlackEmulator } from './slack/index.js';
import { sourceDir } from './source-dir.js';

const PAGE_DIR = join(sourceDir(import.meta.dirname), 'page');
const ASSETS: Record<string, string> = {
  '/': 'index.html',
  '/sandbox.js': 'sandbox.js',
  '/sandbox.css': 'sandbox.css',
};
const TYPES: Record<string, string> = { html: 'text/html', js: 'text/javascript', css: 'text/css' };
/** What flightdeck itself serves on GET (passed through as they are); Slack's requests are POSTs. */
const FLIGHTDECK_PATHS = new Set(['/healthz', '/readyz', '/metrics']);
/** How often the page's event stream looks for a change; the emulators keep no change feed of their own. */
const SNAPSHOT_EVERY_MS = 250;

/** The page's requests; `user` is one of the world's people (checked against it in {@link act}). */
const userId = z.string().min(1);
const commandBody = z.object({ user: userId, text: z.string().min(1).max(4000) });
const actionBody = z.object({
  user: userId,
  channel: z.string().min(1),
  ts: z.string().optional(),
  viewId: z.string().optional(),
  actionId: z.string().min(1),
  blockId: z.string().min(1),
  value: z.string().optional(),
});
const submitBody = z.object({ user: userId, viewId: z.string().min(1), values: z.record(z.string(), z.record(z.string(), z.string())) });
const closeBody = z.object({ user: userId, viewId: z.string().min(1) });
const metricsBody = z.object({ service: z.string(), environment: z.string(), errorRate: z.number().min(0).max(1).optional(), p95: z.number().min(0).max(600).optional() });

export interface SandboxPageOptions {
  port: number;
  host: string;
  /** flightdeck's own HTTP port on loopback: every path the page does not own (/slack/events, /healthz, /metrics) goes there. */
  flightdeckPort: number;
  world: SandboxWorld;
  slack: SlackEmulator;
  driver: SlackDriver;
  metrics: DemoMetrics;
  ackReplies: AckReply[];
  snapshot: () => Record<string, unknown>;
}

/**
 * The sandbox's one port: the page and its assets, a server-sent event stream of the emulators' state, the
 * page's actions (typed into the composer, clicked, pushed on the metrics panel) turned into signed Slack
 * requests by the SlackDriver, and everything else passed through to flightdeck.
 */
export async function serveSandboxPage(options: SandboxPageOptions): Promise<Server> {
  const server = createServer((req, res) => {
    handle(req, res, options).catch((err: unknown) => {
      if (!res.headersSent) res.writeHead(500, { 'content-type': 'text/plain' });
      res.end(String(err));
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, options.host, () => resolve());
  });
  return server;
}

async function handle(req: IncomingMessage, res: ServerResponse, options: SandboxPageOptions): Promise<void> {
  const path = new URL(req.url ?? '/', 'http://sandbox').pathname;
  const asset = ASSETS[path];
  if (req.method === 'GET' && asset) {
    const type = TYPES[asset.split('.').pop() ?? ''] ?? 'text/plain';
    res.writeHead(200, { 'content-type': `${type}; charset=utf-8`, 'cache-control': 'no-store' }).end(readFileSync(join(PAGE_DIR, asset)));
    return;
  }
  if (req.method === 'GET' && path === '/sandbox/events') return streamSnapshots(req, res, options.snapshot);
  if (req.method === 'GET' && path.startsWith('/sandbox/health/')) {
    res.writeHead(200, { 'content-type': 'text/plain' }).end('ok\n');
    return;
  }
  if (req.method === 'POST' && path.startsWith('/sandbox/')) return act(path, await readJson(req), res, options);
  if (req.method === 'GET' && !FLIGHTDECK_PATHS.has(path) && (req.headers.accept ?? '').includes('text/html')) {
    // Every page a browser can reach here says it is the sandbox, a mistyped address included.
    res.writeHead(404, { 'content-type': 'text/html; charset=utf-8' }).end(notFoundPage(path));
    return;
  }
  proxy(req, res, options.flightdeckPort);
}

async function act(path: string, body: unknown, res: ServerResponse, { world, slack, driver, metrics, ackReplies }: SandboxPageOptions): Promise<void> {
  const reply = (status: number, value: unknown): void => {
    res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(value));
  };
  const user = (body as { user?: unknown } | undefined)?.user;
  if (path !== '/sandbox/metrics' && !world.people.some((p) => p.id === user)) return reply(400, { error: `no person ${String(user)} in this sandbox` });
  const keepAck = (user: string, response: DriverResponse): void => {
    const json = response.json as { text?: unknown; blocks?: unknown } | undefined;
    if (json && typeof json.text === 'string' && json.text !== '') ackReplies.push({ user, text: json.text, blocks: Array.isArray(json.blocks) ? json.blocks : [], at: Date.now() });
    reply(200, { status: response.status });
  };
  if (path === '/sandbox/command') {
    const parsed = commandBody.safeParse(body);
    if (!parsed.success) return reply(400, { error: parsed.error.message });
    const [command = '', ...words] = parsed.data.text.trim().split(/\s+/);
    if (command !== '/deploy' && command !== '/rollback') {
      ackReplies.push({ user: parsed.data.user, text: `${command} is not a command here: try /deploy or /rollback.`, blocks: [], at: Date.now() });
      return reply(200, { status: 0 });
    }
    const person = world.people.find((p) => p.id === parsed.data.user);
    return keepAck(parsed.data.user, await driver.slashCommand({ command, text: words.join(' '), userId: parsed.data.user, userName: person?.name, channelId: world.channel.id }));
  }
  if (path === '/sandbox/action') {
    const parsed = actionBody.safeParse(body);
    if (!parsed.success) return reply(400, { error: parsed.error.message });
    const { user, channel, ts, viewId, actionId, blockId, value } = parsed.data;
    return keepAck(user, await driver.blockAction({ userId: user, channelId: channel, messageTs: ts, viewId, actionId, blockId, value }));
  }
  if (path === '/sandbox/submit') {
    const parsed = submitBody.safeParse(body);
    if (!parsed.success) return reply(400, { error: parsed.error.message });
    return keepAck(parsed.data.user, await driver.viewSubmission({ userId: parsed.data.user, viewId: parsed.data.viewId, values: parsed.data.values }));
  }
  if (path === '/sandbox/close') {
    const parsed = closeBody.safeParse(body);
    if (!parsed.success) return reply(400, { error: parsed.error.message });
    // Closing a modal is the person's doing in Slack; flightdeck asks for no view_closed, so it hears nothing.
    // The emulator's nearest equivalent is the `clear` ack, which empties the person's stack as Cancel would.
    if (slack.view(parsed.data.viewId)?.userId !== parsed.data.user) return reply(404, { error: 'no such open view' });
    return reply(200, slack.applyViewAck(parsed.data.viewId, { response_action: 'clear' }));
  }
  if (path === '/sandbox/metrics') {
    const parsed = metricsBody.safeParse(body);
    if (!parsed.success) return reply(400, { error: parsed.error.message });
    const { service, environment, ...values } = parsed.data;
    const next = metrics.set(service, environment, values);
    return next ? reply(200, next) : reply(404, { error: `no ${service} in ${environment}` });
  }
  reply(404, { error: `no such sandbox action: ${path}` });
}

function streamSnapshots(req: IncomingMessage, res: ServerResponse, snapshot: () => Record<string, unknown>): void {
  res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-store', connection: 'keep-alive' });
  let last = '';
  const push = () => {
    const next = JSON.stringify(snapshot());
    if (next === last) return;
    last = next;
    res.write(`data: ${next}\n\n`);
  };
  push();
  const timer = setInterval(push, SNAPSHOT_EVERY_MS);
  req.once('close', () => clearInterval(timer));
}

function readJson(req: IncomingMessage): Promise<unknown> {
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      try {
        resolve(JSON.parse(Buffer.concat(chunks).toString('utf8')));
      } catch {
        resolve(undefined);
      }
    });
  });
}

function proxy(req: IncomingMessage, res: ServerResponse, port: number): void {
  const upstream = request({ host: '127.0.0.1', port, method: req.method, path: req.url, headers: req.headers }, (answer) => {
    res.writeHead(answer.statusCode ?? 502, answer.headers);
    answer.pipe(res);
  });
  upstream.once('error', (err) => {
    if (!res.headersSent) res.writeHead(502, { 'content-type': 'text/plain' });
    res.end(`flightdeck did not answer: ${err.message}\n`);
  });
  req.pipe(upstream);
}

function notFoundPage(path: string): string {
  const shown = path.replace(/[&<>"]/g, (c) => `&#${c.charCodeAt(0)};`);
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Not found · flightdeck sandbox</title><link rel="stylesheet" href="/sandbox.css"></head>
<body><header class="banner" role="banner"><strong>flightdeck sandbox</strong> — emulated Slack, cluster, Prometheus and PagerDuty on this machine. Nothing here is real.</header>
<main><p>There is no page at <code>${shown}</code>. The sandbox is at <a href="/">/</a>.</p></main></body></html>`;
}
