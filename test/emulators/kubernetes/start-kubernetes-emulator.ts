import { type IncomingMessage, type ServerResponse, createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { type ApiRequest, type OpenWatch, handleApi, isWatch, parseApiPath, startWatch, verbOf } from './api-handlers.js';
import { DeploymentController } from './deployment-controller.js';
import { type KObject, ObjectStore } from './object-store.js';
import { StatusError, badRequest, conflict, forbidden } from './status-error.js';
import { writeKubeconfig } from './write-kubeconfig.js';

export interface KubernetesEmulatorOptions {
  /** Port on 127.0.0.1; default 0 (any free port). */
  port?: number;
  /** Time from pod creation to ready; default 300 ms. */
  readyDelayMs?: number;
  /** Controller resync period; default 25 ms. */
  tickMs?: number;
}

/** One request as received, for assertions on what the client really sent. */
export interface RecordedRequest {
  method: string;
  path: string;
  query: Record<string, string>;
  contentType: string | undefined;
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
}

export interface KubernetesEmulator {
  /** `http://127.0.0.1:<port>`, no trailing slash. */
  readonly url: string;
  /** Every request received, oldest first. */
  readonly requests: RecordedRequest[];
  /** The bearer token the emulator accepts (the one `writeKubeconfig` writes). */
  readonly token: string;
  close(): Promise<void>;
  /** Writes a kubeconfig (synchronously) whose context `contextName` (default 'emulator') points here. */
  writeKubeconfig(path: string, contextName?: string): void;
  /** Creates a Deployment whose first revision is already rolled out and ready. */
  seedDeployment(options: SeedDeploymentOptions): KObject;
  /** The stored Deployment (a copy); throws when there is none, so tests fail with a clear message. */
  getDeployment(namespace: string, name: string): KObject;
  listReplicaSets(namespace: string): KObject[];
  /** Pods of templates using this image never become ready. */
  neverReady(image: string): void;
  /** Ends every open watch stream abruptly (socket destroyed, no final chunk). */
  dropWatches(): void;
  /** The next `count` matching requests fail with this HTTP status and a matching Status body. */
  failNext(count: number, status: 500 | 409 | 403, match?: { method?: string; pathIncludes?: string }): void;
  /** RBAC denial for a verb on a resource, in one namespace or all. */
  forbid(rule: { verb: string; resource: string; namespace?: string }): void;
  /** Drops the watch history: watches from any resourceVersion seen so far get a 410 Expired ERROR event. */
  compactHistory(): void;
}

const USER = 'system:serviceaccount:flightdeck:flightdeck';

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

function injectedFailure(status: number, verb: string, resource: string, namespace: string, name: string | undefined): StatusError {
  if (status === 403) return forbidden(USER, verb, resource, namespace, name);
  if (status === 409) return conflict(resource, name ?? '');
  return new StatusError(status, 'InternalError', 'Internal error occurred: emulated failure (failNext)');
}

/** Starts a Kubernetes API server emulator (apps/v1 Deployments and ReplicaSets) with a deployment controller. */
export async function startKubernetesEmulator(options: KubernetesEmulatorOptions = {}): Promise<KubernetesEmulator> {
  const store = new ObjectStore();
  const controller = new DeploymentController(store, { readyDelayMs: options.readyDelayMs ?? 300 });
  const token = 'flightdeck-emulator-token';
  const requests: RecordedRequest[] = [];
  const watches = new Set<OpenWatch>();
  const failures: Array<{ remaining: number; status: 500 | 409 | 403; method?: string; pathIncludes?: string }> = [];
  const denials: Array<{ verb: string; resource: string; namespace?: string }> = [];
  let kick: NodeJS.Immediate | undefined;
  const reconcileSoon = () => {
    kick ??= setImmediate(() => {
      kick = undefined;
      controller.reconcileAll();
    });
  };

  async function route(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://emulator');
    const method = req.method ?? 'GET';
    const contentType = req.headers['content-type'];
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
    requests.push({ method, path: url.pathname, query: Object.fromEntries(url.searchParams), contentType, body });

    if (req.headers.authorization !== `Bearer ${token}`) {
      throw new StatusError(401, 'Unauthorized', 'Unauthorized');
    }
    const target = parseApiPath(url.pathname);
    if (!target) throw new StatusError(404, 'NotFound', 'the server could not find the requested resource');
    const verb = verbOf(method, target.name, url.searchParams);
    const failure = failures.find(
      (f) => f.remaining > 0 && (!f.method || f.method === method) && (!f.pathIncludes || url.pathname.includes(f.pathIncludes)),
    );
    if (failure) {
      failure.remaining -= 1;
      throw injectedFailure(failure.status, verb, target.resource, target.namespace, target.name);
    }
    if (denials.some((d) => d.verb === verb && d.resource === target.resource && (!d.namespace || d.namespace === target.namespace))) {
      throw forbidden(USER, verb, target.resource, target.namespace, target.name);
    }
    if (bodyError) throw bodyError;
    const apiReq: ApiRequest = { method, ...target, query: url.searchParams, contentType: contentType ?? '', body };
    if (method === 'GET' && isWatch(url.searchParams)) {
      watches.add(startWatch(store, apiReq, res, (w) => watches.delete(w)));
      return;
    }
    const result = handleApi(store, apiReq, Date.now());
    if (method !== 'GET') reconcileSoon();
    sendJson(res, result.code, result.body);
  }

  const server = createServer((req, res) => {
    route(req, res).catch((err: unknown) => {
      if (res.headersSent) {
        res.destroy();
        return;
      }
      const status = err instanceof StatusError ? err.status : new StatusError(500, 'InternalError', `Internal error occurred: ${String(err)}`).status;
      sendJson(res, status.code, status);
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, '127.0.0.1', () => resolve());
  });
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const ticker = setInterval(() => controller.reconcileAll(), options.tickMs ?? 25);

  return {
    url,
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
    writeKubeconfig: (path, contextName = 'emulator') => writeKubeconfig(path, url, token, contextName),
    seedDeployment(o) {
      const labels = { app: o.name };
      const created = handleApi(
        store,
        {
          method: 'POST',
          namespace: o.namespace,
          resource: 'deployments',
          name: undefined,
          query: new URLSearchParams(),
          contentType: 'application/json',
          body: {
            metadata: { name: o.name, namespace: o.namespace, labels },
            spec: {
              replicas: o.replicas ?? 3,
              progressDeadlineSeconds: o.progressDeadlineSeconds ?? 600,
              selector: { matchLabels: labels },
              template: { metadata: { labels }, spec: { containers: [{ name: o.container, image: o.image }] } },
            },
          },
        },
        Date.now(),
      );
      controller.markInstantReady(o.namespace, o.name);
      controller.reconcileAll();
      return store.get('deployments', o.namespace, o.name) ?? (created.body as KObject);
    },
    getDeployment(namespace, name) {
      const d = store.get('deployments', namespace, name);
      if (!d) throw new Error(`emulator has no Deployment ${namespace}/${name}`);
      return d;
    },
    listReplicaSets: (namespace) => store.list('replicasets', namespace),
    neverReady: (image) => controller.markNeverReady(image),
    dropWatches() {
      for (const w of watches) w.res.socket?.destroy();
    },
    failNext(count, status, match = {}) {
      failures.push({ remaining: count, status, ...match });
    },
    forbid(rule) {
      denials.push(rule);
    },
    compactHistory: () => store.compact(),
  };
}
