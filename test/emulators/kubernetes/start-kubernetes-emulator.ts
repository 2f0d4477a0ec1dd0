import { randomBytes } from 'node:crypto';
import { type IncomingMessage, type ServerResponse, createServer } from 'node:http';
import { createServer as createTlsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { type ApiRequest, createObject, handleApi } from './api-handlers.js';
import { isWatch, parseApiPath, verbOf } from './api-path.js';
import { DeploymentController } from './deployment-controller.js';
import { discovery } from './discovery.js';
import { FaultInjection, type RequestMatch } from './fault-injection.js';
import { type JobMatch, type JobOutcome, JobController } from './job-controller.js';
import { type KObject, ObjectStore } from './object-store.js';
import type { Resource } from './resource-types.js';
import { StatusError, badRequest, notFound } from './status-error.js';
import { toTable, wantsTable } from './table.js';
import { EMULATOR_CERT, EMULATOR_KEY } from './tls-fixture.js';
import { type OpenWatch, openSilentWatch, startWatch } from './watch-stream.js';
import { writeKubeconfig } from './write-kubeconfig.js';

export interface KubernetesEmulatorOptions {
  /** Port on 127.0.0.1; default 0 (any free port). */
  port?: number;
  /** Time from pod creation to ready, and a Job pod's run time; default 300 ms. */
  readyDelayMs?: number;
  /** Controller resync period; default 25 ms. */
  tickMs?: number;
  /**
   * Serve HTTPS with a fixed self-signed certificate (written into kubeconfigs as the CA); default false.
   * Needed for kubectl, which sends kubeconfig credentials only over TLS.
   */
  tls?: boolean;
}

/** One request as received, for assertions on what the client really sent. */
export interface RecordedRequest {
  method: string;
  path: string;
  query: Record<string, string>;
  contentType: string | undefined;
  accept: string | undefined;
  body: unknown;
}

export interface SeedDeploymentOptions {
  namespace: string;
  name: string;
  container: string;
  image: string;
  /** Default 3. */
  replicas?: number;
  /** Default 600, as the real API server defaults it. */
  progressDeadlineSeconds?: number;
  /** Pod labels and selector; default `{ app: name }`. */
  labels?: Record<string, string>;
}

export interface KubernetesEmulator {
  /** `http://127.0.0.1:<port>` (`https:` with `tls`), no trailing slash. */
  readonly url: string;
  /** The CA certificate (PEM) to trust for an `https:` emulator; undefined for plain HTTP. */
  readonly caPem: string | undefined;
  /** Every request received, oldest first. */
  readonly requests: RecordedRequest[];
  /** The bearer token this instance accepts (unique per instance, so a request sent to the wrong cluster fails with 401). */
  readonly token: string;
  close(): Promise<void>;
  /** Writes a kubeconfig (synchronously) whose only context `contextName` (default 'emulator') points here. */
  writeKubeconfig(path: string, contextName?: string): void;
  /** Creates a Deployment whose first revision is already rolled out and ready. */
  seedDeployment(options: SeedDeploymentOptions): KObject;
  /** Creates any served object as a POST would (defaults, validation); throws the StatusError a POST would answer. */
  create(resource: Resource, namespace: string, body: KObject): KObject;
  /** The stored object (a copy), or undefined. */
  get(resource: Resource, namespace: string, name: string): KObject | undefined;
  list(resource: Resource, namespace: string): KObject[];
  /** The stored Deployment (a copy); throws when there is none, so tests fail with a clear message. */
  getDeployment(namespace: string, name: string): KObject;
  listReplicaSets(namespace: string): KObject[];
  /** Pods of templates using this image never become ready. */
  neverReady(image: string): void;
  /** How pods of matching Jobs end (later calls win); unmatched Jobs succeed with an empty log. */
  jobOutcome(match: JobMatch, outcome: JobOutcome): void;
  /** Ends every open watch stream abruptly (socket destroyed, no final chunk); returns how many were open. */
  dropWatches(): number;
  /** The next `count` matching requests fail with this HTTP status and a matching Status body. */
  failNext(count: number, status: 500 | 409 | 403, match?: RequestMatch): void;
  /**
   * The next `count` matching requests are answered `ms` later (watches: the stream starts `ms` later). A
   * request the client gave up on meanwhile is still served, like a write the API server applied after all.
   */
  delayNext(count: number, ms: number, match?: RequestMatch): void;
  /**
   * The next `count` (`Infinity`: every) matching requests, watches included, are recorded but never answered
   * nor served: the connection stays open until the client gives up, as with a hung API server.
   */
  hangNext(count: number, match?: RequestMatch): void;
  /**
   * The next `count` matching watches get their 200 and headers, then nothing, not even the end at
   * `timeoutSeconds`: a stream whose connection died without closing.
   */
  silenceNextWatches(count: number, match?: RequestMatch): void;
  /** RBAC denial for a verb on a resource (`pods/log` for logs), in one namespace or all. */
  forbid(rule: { verb: string; resource: string; namespace?: string }): void;
  /** Drops the watch history: watches from any resourceVersion seen so far get a 410 Expired ERROR event. */
  compactHistory(): void;
  /** Injected faults not yet used up, by kind: a scenario asserts its faults fired before judging the outcome. */
  pendingFaults(): { failures: number; delays: number; hangs: number; silences: number };
}

function sendJson(res: ServerResponse, code: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(code, { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(text) });
  res.end(text);
}

async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

/** `GET /pods/{name}/log`: text/plain, `tailLines` honoured like the kubelet. */
function podLog(store: ObjectStore, logs: Map<string, string[]>, namespace: string, name: string, query: URLSearchParams): string {
  if (!store.get('pods', namespace, name)) throw notFound('pods', name);
  const lines = logs.get(`${namespace}/${name}`) ?? [];
  const tail = query.get('tailLines');
  if (tail !== null && !/^\d+$/.test(tail)) throw badRequest(`tailLines: Invalid value: "${tail}": must be a non-negative integer`);
  const shown = tail === null ? lines : lines.slice(Math.max(0, lines.length - Number(tail)));
  return shown.map((l) => `${l}\n`).join('');
}

/**
 * Starts a Kubernetes API server emulator: discovery, core/v1 Pods (with logs) and Services, apps/v1
 * Deployments and ReplicaSets with a deployment controller, batch/v1 Jobs with a job controller, and
 * gateway.networking.k8s.io/v1 HTTPRoutes; server-side Table printing for kubectl; per-test faults.
 */
export async function startKubernetesEmulator(options: KubernetesEmulatorOptions = {}): Promise<KubernetesEmulator> {
  const store = new ObjectStore();
  const readyDelayMs = options.readyDelayMs ?? 300;
  const controller = new DeploymentController(store, { readyDelayMs });
  const logs = new Map<string, string[]>();
  const jobs = new JobController(store, logs, readyDelayMs);
  const token = `flightdeck-emulator-${randomBytes(6).toString('hex')}`;
  const requests: RecordedRequest[] = [];
  const watches = new Set<OpenWatch>();
  const faults = new FaultInjection();
  const reconcileAll = () => {
    controller.reconcileAll();
    jobs.reconcileAll();
  };
  let kick: NodeJS.Immediate | undefined;
  const reconcileSoon = () => {
    kick ??= setImmediate(() => {
      kick = undefined;
      reconcileAll();
    });
  };
  let url = '';

  async function route(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const u = new URL(req.url ?? '/', 'http://emulator');
    const method = req.method ?? 'GET';
    const contentType = req.headers['content-type'];
    const accept = req.headers.accept;
    const raw = await readBody(req);
    let body: unknown = raw === '' ? undefined : raw;
    let bodyError: StatusError | undefined;
    if (raw !== '') {
      try {
        body = JSON.parse(raw);
      } catch {
        bodyError = badRequest(`the body of the request could not be decoded as JSON`);
      }
    }
    requests.push({ method, path: u.pathname, query: Object.fromEntries(u.searchParams), contentType, accept, body });
    if (req.headers.authorization !== `Bearer ${token}`) throw new StatusError(401, 'Unauthorized', 'Unauthorized');
    if (faults.takeHang(method, u.pathname)) return new Promise<void>((resolve) => res.once('close', () => resolve()));
    const delay = faults.takeDelay(method, u.pathname);
    if (delay > 0) await new Promise((r) => setTimeout(r, delay));

    const doc = method === 'GET' ? discovery(u.pathname, url.replace(/^https?:\/\//, '')) : undefined;
    if (doc !== undefined) return sendJson(res, 200, doc);
    const target = parseApiPath(u.pathname);
    if (!target) throw new StatusError(404, 'NotFound', 'the server could not find the requested resource');
    const verb = verbOf(method, target.name, u.searchParams);
    const rbacResource = target.subresource ? `${target.resource}/${target.subresource}` : target.resource;
    const fault = faults.check(method, u.pathname, verb, rbacResource, target.namespace, target.name);
    if (fault) throw fault;
    if (bodyError) throw bodyError;
    if (target.subresource === 'log' && method === 'GET' && target.name !== undefined) {
      const text = podLog(store, logs, target.namespace, target.name, u.searchParams);
      res.writeHead(200, { 'Content-Type': 'text/plain', 'Content-Length': Buffer.byteLength(text) });
      res.end(text);
      return;
    }
    const apiReq: ApiRequest = { method, ...target, query: u.searchParams, contentType: contentType ?? '', body };
    if (method === 'GET' && isWatch(u.searchParams)) {
      const onEnd = (w: OpenWatch) => watches.delete(w);
      watches.add(faults.takeSilence(method, u.pathname) ? openSilentWatch(res, onEnd) : startWatch(store, apiReq, res, onEnd));
      return;
    }
    const result = handleApi(store, apiReq, Date.now());
    if (method !== 'GET') reconcileSoon();
    if (method === 'GET' && wantsTable(accept)) {
      const r = result.body as KObject;
      const items = target.name === undefined ? (r.items as KObject[]) : [r];
      return sendJson(res, 200, toTable(target.type, items, String(store.currentRv), u.searchParams.get('includeObject'), Date.now()));
    }
    sendJson(res, result.code, result.body);
  }

  const handler = (req: IncomingMessage, res: ServerResponse) => {
    route(req, res).catch((err: unknown) => {
      if (res.headersSent) {
        res.destroy();
        return;
      }
      const status = err instanceof StatusError ? err.status : new StatusError(500, 'InternalError', `Internal error occurred: ${String(err)}`).status;
      sendJson(res, status.code, status);
    });
  };
  const server = options.tls ? createTlsServer({ cert: EMULATOR_CERT, key: EMULATOR_KEY }, handler) : createServer(handler);
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, '127.0.0.1', () => resolve());
  });
  url = `${options.tls ? 'https' : 'http'}://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const caPem = options.tls ? EMULATOR_CERT : undefined;
  const ticker = setInterval(reconcileAll, options.tickMs ?? 25);

  return {
    url,
    caPem,
    requests,
    token,
    async close() {
      clearInterval(ticker);
      if (kick) clearImmediate(kick);
      for (const w of watches) w.res.destroy();
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
    },
    writeKubeconfig: (path, contextName = 'emulator') => writeKubeconfig(path, [{ context: contextName, server: url, token, ...(caPem ? { caPem } : {}) }]),
    seedDeployment(o) {
      const labels = o.labels ?? { app: o.name };
      createObject(
        store,
        'deployments',
        o.namespace,
        {
          metadata: { name: o.name, namespace: o.namespace, labels },
          spec: {
            replicas: o.replicas ?? 3,
            progressDeadlineSeconds: o.progressDeadlineSeconds ?? 600,
            selector: { matchLabels: labels },
            template: { metadata: { labels }, spec: { containers: [{ name: o.container, image: o.image }] } },
          },
        },
        Date.now(),
      );
      controller.markInstantReady(o.namespace, o.name);
      controller.reconcileAll();
      const seeded = store.get('deployments', o.namespace, o.name);
      if (!seeded) throw new Error(`seeding Deployment ${o.namespace}/${o.name} failed`);
      return seeded;
    },
    create(resource, namespace, body) {
      const created = createObject(store, resource, namespace, body, Date.now());
      reconcileSoon();
      return created;
    },
    get: (resource, namespace, name) => store.get(resource, namespace, name),
    list: (resource, namespace) => store.list(resource, namespace),
    getDeployment(namespace, name) {
      const d = store.get('deployments', namespace, name);
      if (!d) throw new Error(`emulator has no Deployment ${namespace}/${name}`);
      return d;
    },
    listReplicaSets: (namespace) => store.list('replicasets', namespace),
    neverReady: (image) => controller.markNeverReady(image),
    jobOutcome: (match, outcome) => jobs.addRule(match, outcome),
    dropWatches() {
      let cut = 0;
      for (const w of watches) {
        if (w.res.socket && !w.res.socket.destroyed) cut += 1;
        w.res.socket?.destroy();
      }
      return cut;
    },
    failNext: (count, status, match = {}) => faults.failNext(count, status, match),
    delayNext: (count, ms, match = {}) => faults.delayNext(count, ms, match),
    hangNext: (count, match = {}) => faults.hangNext(count, match),
    silenceNextWatches: (count, match = {}) => faults.silenceNextWatches(count, match),
    forbid: (rule) => faults.forbid(rule),
    compactHistory: () => store.compact(),
    pendingFaults: () => faults.pending(),
  };
}
