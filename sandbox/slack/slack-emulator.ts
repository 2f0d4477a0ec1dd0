import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Directory } from './directory.js';
import { FileStore } from './file-store.js';
import { HomeTabs } from './home-tabs.js';
import { MessageStore } from './message-store.js';
import { ALL_EMULATED_SCOPES, scopeNeeded } from './method-scopes.js';
import { err, str, type MethodContext, type MethodReply } from './method-context.js';
import { RateLimiter } from './rate-limiter.js';
import { inspectableArgs, parseArgs, readBody, readRawBody, readToken, readUploadedBytes } from './read-request.js';
import { ResponseUrls } from './response-urls.js';
import { SocketModeServer } from './socket-mode-server.js';
import type {
  FaultReply,
  KnownUser,
  RecordedCall,
  SlackEmulator,
  SlackEmulatorOptions,
} from './slack-types.js';
import { ViewStore } from './view-store.js';
import { waitFor } from './wait-for.js';
import { webApiMethods } from './web-api-methods.js';

const DEFAULT_USERS: KnownUser[] = [
  { id: 'U0ALICE', name: 'alice', realName: 'Alice Example', email: 'alice@example.com' },
  { id: 'U0BOB', name: 'bob', realName: 'Bob Example', email: 'bob@example.com' },
];

const APP_TOKEN_METHODS = new Set(['apps.connections.open']);
const MAX_PING_INTERVAL_MS = 30_000;

interface Fault {
  remaining: number;
  reply: FaultReply;
}

/**
 * Starts a Slack emulator on 127.0.0.1: Web API under `/api/<method>`, response URLs under
 * `/response/<id>`, Socket Mode WebSockets under `/socket-mode`, plus inspection, rate-limit and
 * fault-injection helpers. Resolves once it is listening; throws on a ping interval above 30 s.
 */
export async function startSlackEmulator(options: SlackEmulatorOptions = {}): Promise<SlackEmulator> {
  const now = options.now ?? Date.now;
  const token = options.token ?? 'xoxb-test';
  const teamId = options.teamId ?? 'T0TEST';
  const botUserId = options.botUserId ?? 'U0BOT';
  const botId = options.botId ?? 'B0BOT';
  const appId = options.appId ?? 'A0BOT';
  const appToken = options.appToken ?? 'xapp-1-test';
  const teamDomain = options.teamDomain ?? 'acme';
  const pingIntervalMs = options.socketPingIntervalMs ?? 10_000;
  if (!(pingIntervalMs > 0 && pingIntervalMs <= MAX_PING_INTERVAL_MS)) {
    throw new Error(`startSlackEmulator: socketPingIntervalMs must be in (0, ${MAX_PING_INTERVAL_MS}], got ${pingIntervalMs}`);
  }
  const privateChannels = new Set(options.privateChannels ?? []);
  const store = new MessageStore([...(options.channels ?? ['C0DEPLOY']), ...privateChannels, ...(options.botAbsentFrom ?? [])], now);
  const scopes = [...(options.scopes ?? ALL_EMULATED_SCOPES)];
  const granted = new Set(scopes);
  const absent = new Set(options.botAbsentFrom ?? []);
  const files = new FileStore();
  const directory = new Directory(store);
  const users: KnownUser[] = [...(options.users ?? DEFAULT_USERS), { id: botUserId, name: 'flightdeck', isBot: true }];
  for (const u of users) directory.addUser(u);
  for (const [id, members] of Object.entries(options.usergroups ?? {})) directory.addUsergroup(id, members);
  const views = new ViewStore({ teamId, appId, botId }, now);
  const homes = new HomeTabs(now);
  const responseUrls = new ResponseUrls(store, { userId: botUserId, botId }, now);
  const socketMode = new SocketModeServer(appId, pingIntervalMs, now);
  const limiter = new RateLimiter();
  const calls: RecordedCall[] = [];
  const faults = new Map<string, Fault[]>();
  const drops = new Map<string, number>();
  const holds = new Map<string, Array<{ remaining: number; reply: { ms: number } }>>();
  let baseUrl = '';

  const ctx = (): MethodContext => ({
    store,
    views,
    homes,
    homeTabEnabled: options.homeTab ?? true,
    directory,
    files,
    isMember: (channel) => !absent.has(channel),
    now,
    baseUrl,
    teamId,
    teamDomain,
    botUserId,
    botId,
    appId,
    openSocketUrl: () => socketMode.ticketUrl(baseUrl),
  });

  // Order: unknown method, injected fault, auth, rate limit, then the method itself — so a fault can
  // stand in for any method outcome, including auth errors.
  const callMethod = (
    req: IncomingMessage,
    method: string,
    body: string,
  ): { status: number; reply: MethodReply; retryAfter?: number; dropped?: true; scopes?: string } => {
    const args = parseArgs(req.headers['content-type'], body);
    const callToken = readToken(req, args);
    const finish = (status: number, reply: MethodReply, retryAfter?: number, dropped?: true) => {
      calls.push({
        method,
        args: inspectableArgs(args ?? {}),
        ...(callToken !== undefined ? { token: callToken } : {}),
        at: now(),
        status,
        response: reply,
        ...(dropped ? { dropped } : {}),
      });
      // Slack names a bot token's granted scopes on every answer to it (the header @slack/web-api copies
      // into response_metadata.scopes).
      return {
        status,
        reply,
        ...(retryAfter !== undefined ? { retryAfter } : {}),
        ...(dropped ? { dropped } : {}),
        ...(callToken === token ? { scopes: scopes.join(',') } : {}),
      };
    };
    const handler = webApiMethods[method];
    if (!handler) return finish(200, err('unknown_method'));
    const fault = takeFault(faults, method);
    if (fault) {
      const status = fault.status ?? (fault.retryAfter !== undefined ? 429 : 200);
      return finish(status, err(fault.error ?? (status === 429 ? 'ratelimited' : 'internal_error')), fault.retryAfter);
    }
    const wanted = APP_TOKEN_METHODS.has(method) ? appToken : token;
    if (callToken === undefined) return finish(200, err('not_authed'));
    if (callToken !== wanted) {
      return finish(200, err(callToken === token || callToken === appToken ? 'not_allowed_token_type' : 'invalid_auth'));
    }
    if (!args) return finish(200, err('invalid_json'));
    const needed = callToken === token ? scopeNeeded(method, args, (id) => privateChannels.has(id)) : undefined;
    if (needed !== undefined && !granted.has(needed)) return finish(200, err('missing_scope', { needed, provided: scopes.join(',') }));
    const retryAfter = limiter.check(method, str(args.channel) ?? str(args.channel_id) ?? '', now());
    if (retryAfter !== undefined) return finish(429, err('ratelimited'), retryAfter);
    const reply = handler(ctx(), args);
    const dropsLeft = drops.get(method) ?? 0;
    if (dropsLeft > 0) drops.set(method, dropsLeft - 1);
    return finish(200, reply, undefined, dropsLeft > 0 ? true : undefined);
  };

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const path = new URL(req.url ?? '/', 'http://emulator').pathname;
    // An upload URL takes the file's bytes as sent (raw, or a multipart form as @slack/web-api posts them)
    // and answers in plain text, as Slack's file servers do.
    if (req.method === 'POST' && path.startsWith('/upload/v1/')) {
      const bytes = await readUploadedBytes(req.headers['content-type'], await readRawBody(req));
      const taken = bytes !== undefined && files.receive(path.slice('/upload/v1/'.length), bytes);
      res.writeHead(taken ? 200 : 404, { 'content-type': 'text/plain; charset=utf-8' });
      res.end(taken ? `OK - ${bytes.length}` : 'Not Found');
      return;
    }
    const body = await readBody(req);
    if (req.method === 'POST' && path.startsWith('/api/')) {
      const held = takeFault(holds, path.slice('/api/'.length));
      if (held) await new Promise((wake) => setTimeout(wake, held.ms));
      const { status, reply, retryAfter, dropped, scopes: grantedHeader } = callMethod(req, path.slice('/api/'.length), body);
      // The method has taken effect; destroying the connection loses only the answer, as a network fault would.
      if (dropped) {
        req.socket.destroy();
        return;
      }
      send(res, status, reply, {
        ...(retryAfter !== undefined ? { 'retry-after': String(retryAfter) } : {}),
        ...(grantedHeader !== undefined ? { 'x-oauth-scopes': grantedHeader } : {}),
      });
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
  server.on('upgrade', (req, socket, head) => socketMode.handleUpgrade(req, socket, head));
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
    appToken,
    teamId,
    teamDomain,
    botUserId,
    botId,
    appId,
    scopes,
    calls,
    ephemerals: store.ephemerals,
    responses: responseUrls.recorded,
    files: files.completed,
    messages: (channel) => store.list(channel),
    message: (channel, ts) => store.find(channel, ts),
    thread: (channel, ts) => [...(store.find(channel, ts)?.replies ?? [])],
    user: (id) => directory.users.get(id),
    addUser: (user) => directory.addUser(user),
    addUsergroup: (id, userIds) => directory.addUsergroup(id, userIds),
    dmChannel: (userId) => directory.dmChannel(userId),
    views: views.all,
    view: (id) => views.find(id),
    openViews: (userId) => views.stack(userId),
    homeView: (userId) => homes.get(userId),
    viewAcks: views.acks,
    triggerId: (userId) => views.issueTrigger(userId),
    applyViewAck: (viewId, payload) => views.applyAck(viewId, payload),
    rateLimit: (rule) => limiter.set(rule),
    clearRateLimits: () => limiter.clear(),
    socketMode,
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
    failNextResponse: (count, fault = {}) => responseUrls.failNext(count, fault),
    holdNext: (method, count, ms) => {
      if (count > 0) holds.set(method, [...(holds.get(method) ?? []), { remaining: count, reply: { ms } }]);
    },
    dropAnswerNext: (method, count) => {
      if (count > 0) drops.set(method, (drops.get(method) ?? 0) + count);
    },
    waitFor: (predicate, timeoutMs, description) =>
      waitFor(() => predicate(emulator), { timeoutMs, description, state: () => describeState(emulator) }),
    close: () =>
      new Promise<void>((resolve, reject) => {
        socketMode.close();
        server.close((error) => (error ? reject(error) : resolve()));
        // Keep-alive sockets from fetch would otherwise hold close() open.
        server.closeAllConnections();
      }),
  };
  return emulator;
}

function takeFault<T>(faults: Map<string, Array<{ remaining: number; reply: T }>>, method: string): T | undefined {
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
    `${e.views.filter((v) => v.open).length} open views`,
    `${e.socketMode.connections} socket connections, ${e.socketMode.envelopes.length} envelopes`,
  ].join('; ');
}
