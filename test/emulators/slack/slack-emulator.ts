import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { MessageStore } from './message-store.js';
import { inspectableArgs, parseArgs, readBody, readToken } from './read-request.js';
import { ResponseUrls } from './response-urls.js';
import type {
  FaultReply,
  KnownUser,
  RecordedCall,
  SlackEmulator,
  SlackEmulatorOptions,
} from './slack-types.js';
import { waitFor } from './wait-for.js';
import { err, webApiMethods, type MethodContext, type MethodReply } from './web-api-methods.js';

const DEFAULT_USERS: KnownUser[] = [
  { id: 'U0ALICE', name: 'alice', realName: 'Alice Example', email: 'alice@example.com' },
  { id: 'U0BOB', name: 'bob', realName: 'Bob Example', email: 'bob@example.com' },
];

interface Fault {
  remaining: number;
  reply: FaultReply;
}

/**
 * Starts a Slack emulator on 127.0.0.1: Web API under `/api/<method>`, response URLs under
 * `/response/<id>`, plus inspection and fault-injection helpers. Resolves once it is listening.
 */
export async function startSlackEmulator(options: SlackEmulatorOptions = {}): Promise<SlackEmulator> {
  const now = options.now ?? Date.now;
  const token = options.token ?? 'xoxb-test';
  const teamId = options.teamId ?? 'T0TEST';
  const botUserId = options.botUserId ?? 'U0BOT';
  const botId = options.botId ?? 'B0BOT';
  const appId = options.appId ?? 'A0BOT';
  const users = new Map<string, KnownUser>();
  for (const u of [...(options.users ?? DEFAULT_USERS), { id: botUserId, name: 'flightdeck', isBot: true }]) {
    users.set(u.id, u);
  }
  const store = new MessageStore(options.channels ?? ['C0DEPLOY'], now);
  const responseUrls = new ResponseUrls(store, { userId: botUserId, botId }, now);
  const calls: RecordedCall[] = [];
  const faults = new Map<string, Fault[]>();
  let baseUrl = '';

  const ctx = (): MethodContext => ({ store, baseUrl, teamId, botUserId, botId, appId, users });

  // Order: unknown method, injected fault, auth, then the method itself — so a fault can stand in for
  // any method outcome, including auth errors.
  const callMethod = (req: IncomingMessage, method: string, body: string): { status: number; reply: MethodReply; retryAfter?: number } => {
    const args = parseArgs(req.headers['content-type'], body);
    const callToken = readToken(req, args);
    const finish = (status: number, reply: MethodReply, retryAfter?: number) => {
      calls.push({
        method,
        args: inspectableArgs(args ?? {}),
        ...(callToken !== undefined ? { token: callToken } : {}),
        at: now(),
        status,
        response: reply,
      });
      return { status, reply, ...(retryAfter !== undefined ? { retryAfter } : {}) };
    };
    const handler = webApiMethods[method];
    if (!handler) return finish(200, err('unknown_method'));
    const fault = takeFault(faults, method);
    if (fault) {
      const status = fault.status ?? (fault.retryAfter !== undefined ? 429 : 200);
      return finish(status, err(fault.error ?? (status === 429 ? 'ratelimited' : 'internal_error')), fault.retryAfter);
    }
    if (callToken === undefined) return finish(200, err('not_authed'));
    if (callToken !== token) return finish(200, err('invalid_auth'));
    if (!args) return finish(200, err('invalid_json'));
    return finish(200, handler(ctx(), args));
  };

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const path = new URL(req.url ?? '/', 'http://emulator').pathname;
    const body = await readBody(req);
    if (req.method === 'POST' && path.startsWith('/api/')) {
      const { status, reply, retryAfter } = callMethod(req, path.slice('/api/'.length), body);
      send(res, status, reply, retryAfter !== undefined ? { 'retry-after': String(retryAfter) } : {});
      return;
    }
    if (req.method === 'POST' && path.startsWith('/response/')) {
      const id = path.slice('/response/'.length);
      const { status, body: replyBody } = responseUrls.handle(id, `${baseUrl}response/${id}`, body);
      send(res, status, replyBody);
      return;
    }
    send(res, 404, { ok: false, error: 'not_found' });
  };

  const server = createServer((req, res) => {
    handle(req, res).catch((error: unknown) => {
      send(res, 500, { ok: false, error: 'internal_error', detail: String(error) });
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  baseUrl = `http://127.0.0.1:${port}/`;

  const emulator: SlackEmulator = {
    url: baseUrl,
    apiUrl: `${baseUrl}api/`,
    token,
    teamId,
    botUserId,
    botId,
    appId,
    calls,
    ephemerals: store.ephemerals,
    responses: responseUrls.recorded,
    messages: (channel) => store.list(channel),
    message: (channel, ts) => store.find(channel, ts),
    thread: (channel, ts) => [...(store.find(channel, ts)?.replies ?? [])],
    user: (id) => users.get(id),
    addUserMessage: (channel, m) => {
      const posted = store.post(channel, { text: m.text, blocks: [], user: m.user, ...(m.threadTs ? { threadTs: m.threadTs } : {}) });
      if (!posted) throw new Error(`addUserMessage: unknown channel ${channel} or thread ${m.threadTs ?? ''}`);
      return posted;
    },
    responseUrl: (context) => responseUrls.create(baseUrl, context),
    failNext: (method, count, reply) => {
      if (count <= 0) return;
      const queue = faults.get(method) ?? [];
      queue.push({ remaining: count, reply });
      faults.set(method, queue);
    },
    waitFor: (predicate, timeoutMs, description) =>
      waitFor(() => predicate(emulator), { timeoutMs, description, state: () => describeState(emulator) }),
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.close((error) => (error ? reject(error) : resolve()));
        // Keep-alive sockets from fetch would otherwise hold close() open.
        server.closeAllConnections();
      }),
  };
  return emulator;
}

function takeFault(faults: Map<string, Fault[]>, method: string): FaultReply | undefined {
  const queue = faults.get(method);
  const head = queue?.[0];
  if (!queue || !head) return undefined;
  head.remaining -= 1;
  if (head.remaining <= 0) queue.shift();
  return head.reply;
}

function send(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', ...headers });
  res.end(JSON.stringify(body));
}

function describeState(e: SlackEmulator): string {
  const recent = e.calls.slice(-10).map((c) => `${c.method}→${c.response.ok ? 'ok' : String(c.response.error)}`);
  return [
    `${e.calls.length} calls (last: ${recent.join(', ') || 'none'})`,
    `${e.ephemerals.length} ephemerals`,
    `${e.responses.length} response_url posts`,
  ].join('; ');
}
