import { randomBytes } from 'node:crypto';
import { type IncomingMessage, type Server, type ServerResponse, createServer as createHttpServer } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { AddressInfo, Socket } from 'node:net';
import { EventStore, type EventReply, type Incident, type LoggedEvent } from './event-store.js';
import { sharedSelfSignedCert } from './make-self-signed-cert.js';
import { type PagerDutyUser, RestApi, restError } from './rest-api.js';

export interface PagerDutyEmulatorOptions {
  /** Integration keys the Events API accepts; default one random 32-character key (see `routingKey`). */
  routingKeys?: string[];
  /** REST API token accepted as `Authorization: Token token=<token>`; default a random one (see `apiToken`). */
  apiToken?: string;
}

export type FaultStatus = 429 | 500 | 503;

export interface FailNextOptions {
  status: FaultStatus;
  /** Only requests whose path starts with this (e.g. `/v2/enqueue`, `/oncalls`); default every request. */
  path?: string;
  /** Answer with an HTML body, as a load balancer does, instead of PagerDuty's JSON; default false. */
  html?: boolean;
}

/** One REST request as received. */
export interface RecordedRestRequest {
  method: string;
  path: string;
  query: URLSearchParams;
  authorization: string | undefined;
  /** 0 when `stallNext` left it unanswered. */
  status: number;
}

export interface PagerDutyEmulator {
  /** `127.0.0.1:<port>` of the HTTPS Events API, what pdjs's `server` option takes. */
  readonly eventsServer: string;
  /** `http://127.0.0.1:<port>` of the REST API, no trailing slash. */
  readonly apiUrl: string;
  /** PEM of the throwaway self-signed certificate; trust it as `ca`. */
  readonly ca: string;
  /** The first accepted routing key. */
  readonly routingKey: string;
  readonly apiToken: string;
  /** Every incident ever opened, oldest first (a trigger after resolve opens a new one). */
  readonly incidents: Incident[];
  /** Every Events API request (alert and change events), oldest first. */
  readonly events: LoggedEvent[];
  readonly restRequests: RecordedRestRequest[];
  /** The open incident for this dedup key, else the latest one; undefined when none was ever opened. */
  incident(dedupKey: string): Incident | undefined;
  addRoutingKey(key: string): void;
  /** Adds (or replaces) a user; returns it with its id (default `PUSER<n>`). */
  addUser(user: Omit<PagerDutyUser, 'id'> & { id?: string }): PagerDutyUser;
  /** Replaces who is on call for this policy at this level (default 1); users must have been added. */
  setOnCall(escalationPolicyId: string, userIds: string[], escalationLevel?: number): void;
  /** The next `count` matching requests on either server fail with this status. */
  failNext(count: number, options: FailNextOptions): void;
  /** The next `count` matching requests get no answer at all (the connection stays open until `close`). */
  stallNext(count: number, options?: { path?: string }): void;
  /** `refuse` (default) stops listening; `reset` accepts connections and destroys them at once. */
  down(mode?: 'refuse' | 'reset'): Promise<void>;
  /** Undoes `down`, listening again on the same ports. */
  up(): Promise<void>;
  close(): Promise<void>;
}

interface Fault {
  /** undefined: stall without answering. */
  status: FaultStatus | undefined;
  path: string | undefined;
  html: boolean;
  remaining: number;
}

function send(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(text), ...headers });
  res.end(text);
}

function sendHtml(res: ServerResponse, status: number): void {
  const text = `<html><body><h1>${status}</h1></body></html>`;
  res.writeHead(status, { 'Content-Type': 'text/html', 'Content-Length': Buffer.byteLength(text) });
  res.end(text);
}

async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

async function listen(server: Server, port: number): Promise<number> {
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  return (server.address() as AddressInfo).port;
}

async function stop(server: Server): Promise<void> {
  if (!server.listening) return;
  const closed = new Promise<void>((resolve) => server.close(() => resolve()));
  server.closeAllConnections();
  await closed;
}

function faultBody(kind: 'events' | 'rest', status: FaultStatus): unknown {
  if (kind === 'rest') {
    return status === 429 ? { error: { message: 'Rate Limit Exceeded', code: 2020 } } : { error: { message: 'Internal Server Error', code: 2000 } };
  }
  // Events API throttle and error bodies are UNCONFIRMED (protocols.md C1); clients must go by the status.
  return status === 429
    ? { status: 'throttle event', message: 'Requests for this service are arriving too quickly. Please retry later.' }
    : { status: 'error', message: 'Internal server error' };
}

/** Starts an Events API v2 (HTTPS) and REST API v2 (HTTP) emulator on loopback, with fault injection. */
export async function startPagerDutyEmulator(options: PagerDutyEmulatorOptions = {}): Promise<PagerDutyEmulator> {
  const { cert, key } = await sharedSelfSignedCert();
  const store = new EventStore();
  const rest = new RestApi();
  const restRequests: RecordedRestRequest[] = [];
  const routingKeys = options.routingKeys ?? [randomBytes(16).toString('hex')];
  for (const k of routingKeys) store.routingKeys.add(k);
  const apiToken = options.apiToken ?? `emulator-${randomBytes(10).toString('hex')}`;
  let faults: Fault[] = [];
  let resetting = false;
  let nextUser = 1;

  function takeFault(path: string): Fault | undefined {
    const fault = faults.find((f) => f.remaining > 0 && (f.path === undefined || path.startsWith(f.path)));
    if (fault) fault.remaining -= 1;
    faults = faults.filter((f) => f.remaining > 0);
    return fault;
  }

  /** Answers an injected fault; returns the status logged (0 for a stall). */
  function answerFault(res: ServerResponse, fault: Fault, kind: 'events' | 'rest'): number {
    if (fault.status === undefined) return 0;
    if (fault.html) sendHtml(res, fault.status);
    else {
      const headers: Record<string, string> = kind === 'rest' && fault.status === 429 ? { 'ratelimit-limit': '960', 'ratelimit-remaining': '0', 'ratelimit-reset': '1' } : {};
      send(res, fault.status, faultBody(kind, fault.status), headers);
    }
    return fault.status;
  }

  async function onEvents(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const path = new URL(req.url ?? '/', 'https://127.0.0.1').pathname;
    const raw = await readBody(req);
    const kind = path === '/v2/change/enqueue' ? 'change' : 'event';
    let parsed: unknown = raw;
    try {
      parsed = JSON.parse(raw);
    } catch {
      // Logged as the raw text; the store rejects it below.
    }
    const fault = takeFault(path);
    if (fault) {
      store.log.push({ kind, body: parsed, status: answerFault(res, fault, 'events'), outcome: 'fault' });
      return;
    }
    if (req.method !== 'POST' || (path !== '/v2/enqueue' && path !== '/v2/change/enqueue')) {
      send(res, 404, { status: 'not found', message: 'Not found' });
      return;
    }
    const reply: EventReply = kind === 'change' ? store.handleChange(raw) : store.handleEvent(raw);
    store.log.push({ kind, body: parsed, status: reply.status, outcome: reply.outcome });
    send(res, reply.status, reply.body);
  }

  async function onRest(req: IncomingMessage, res: ServerResponse): Promise<void> {
    await readBody(req);
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    const record = (status: number): void => {
      restRequests.push({ method: req.method ?? 'GET', path: url.pathname, query: url.searchParams, authorization: req.headers.authorization, status });
    };
    const fault = takeFault(url.pathname);
    if (fault) {
      record(answerFault(res, fault, 'rest'));
      return;
    }
    const auth = req.headers.authorization;
    if (auth !== `Token token=${apiToken}` && auth !== `Bearer ${apiToken}`) {
      const reply = restError(401, 'Unauthorized', 2006);
      record(reply.status);
      send(res, reply.status, reply.body);
      return;
    }
    const reply = rest.handle(req.method ?? 'GET', url);
    record(reply.status);
    send(res, reply.status, reply.body);
  }

  function guarded(handler: (req: IncomingMessage, res: ServerResponse) => Promise<void>) {
    return (req: IncomingMessage, res: ServerResponse): void => {
      handler(req, res).catch((err: unknown) => {
        if (!res.headersSent) send(res, 500, { error: { message: `emulator bug: ${String(err)}`, code: 2000 } });
      });
    };
  }

  const eventsHttp = createHttpsServer({ cert, key }, guarded(onEvents));
  const restHttp = createHttpServer(guarded(onRest));
  for (const server of [eventsHttp, restHttp]) {
    server.on('connection', (socket: Socket) => {
      if (resetting) socket.resetAndDestroy();
    });
  }
  const eventsPort = await listen(eventsHttp, 0);
  const restPort = await listen(restHttp, 0);

  return {
    eventsServer: `127.0.0.1:${eventsPort}`,
    apiUrl: `http://127.0.0.1:${restPort}`,
    ca: cert,
    routingKey: routingKeys[0] ?? '',
    apiToken,
    incidents: store.incidents,
    events: store.log,
    restRequests,
    incident: (dedupKey) => store.find(dedupKey),
    addRoutingKey: (k) => void store.routingKeys.add(k),
    addUser(input) {
      const user: PagerDutyUser = { ...input, id: input.id ?? `PUSER${String(nextUser++).padStart(3, '0')}` };
      rest.users.set(user.id, user);
      return user;
    },
    setOnCall(escalationPolicyId, userIds, escalationLevel = 1) {
      for (const id of userIds) if (!rest.users.has(id)) throw new Error(`setOnCall: user ${id} was never added`);
      rest.onCalls = [
        ...rest.onCalls.filter((e) => e.escalationPolicyId !== escalationPolicyId || e.escalationLevel !== escalationLevel),
        ...userIds.map((userId) => ({ escalationPolicyId, userId, escalationLevel })),
      ];
    },
    failNext(count, fault) {
      faults.push({ status: fault.status, path: fault.path, html: fault.html ?? false, remaining: count });
    },
    stallNext(count, stall = {}) {
      faults.push({ status: undefined, path: stall.path, html: false, remaining: count });
    },
    async down(mode = 'refuse') {
      if (mode === 'reset') {
        resetting = true;
        return;
      }
      await Promise.all([stop(eventsHttp), stop(restHttp)]);
    },
    async up() {
      resetting = false;
      if (!eventsHttp.listening) await listen(eventsHttp, eventsPort);
      if (!restHttp.listening) await listen(restHttp, restPort);
    },
    async close() {
      await Promise.all([stop(eventsHttp), stop(restHttp)]);
    },
  };
}
