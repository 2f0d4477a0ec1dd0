import { randomBytes } from 'node:crypto';
import { type IncomingMessage, type ServerResponse, createServer } from 'node:http';
import { createServer as createTlsServer } from 'node:https';
import type { TLSSocket } from 'node:tls';
import type { AddressInfo } from 'node:net';
import { answerReview, isReviewPath } from './access-reviews.js';
import { type ApiRequest, createObject, handleApi } from './api-handlers.js';
import { isWatch, parseApiPath, verbOf } from './api-path.js';
import { INITIAL_NAMESPACES, ensureNamespace } from './cluster-records.js';
import { DeploymentController } from './deployment-controller.js';
import { discovery } from './discovery.js';
import { FaultInjection } from './fault-injection.js';
import { readBody, sendJson } from './http-io.js';
import { JobController } from './job-controller.js';
import type { KubernetesEmulator, KubernetesEmulatorOptions, RecordedRequest } from './kubernetes-emulator-api.js';
import { type KObject, ObjectStore } from './object-store.js';
import { type PodLog, servePodLog } from './pod-log.js';
import { RbacAuthorizer, type RequestAttributes } from './rbac-authorizer.js';
import { StatusError, badRequest, forbidden, forbiddenPath } from './status-error.js';
import { tableWatchRenderer, toTable, wantsTable } from './table.js';
import { EMULATOR_CERT, EMULATOR_KEY } from './tls-fixture.js';
import { type OpenWatch, openSilentWatch, startWatch } from './watch-stream.js';
import { writeKubeconfig } from './write-kubeconfig.js';

export type { KubernetesEmulator, KubernetesEmulatorOptions, RecordedRequest, SeedDeploymentOptions } from './kubernetes-emulator-api.js';

/**
 * Starts a Kubernetes API server emulator: discovery, core/v1 Namespaces, Events, Pods (with logs) and
 * Services, apps/v1 Deployments (with `/scale`) and ReplicaSets with a deployment controller, batch/v1 Jobs
 * with a job controller, and gateway.networking.k8s.io/v1 HTTPRoutes; bearer-token authentication and RBAC
 * authorization with self access reviews; server-side Table printing for kubectl; per-test faults.
 */
export async function startKubernetesEmulator(options: KubernetesEmulatorOptions = {}): Promise<KubernetesEmulator> {
  const store = new ObjectStore();
  const readyDelayMs = options.readyDelayMs ?? 300;
  const controller = new DeploymentController(store, { readyDelayMs });
  const logs = new Map<string, PodLog>();
  const jobs = new JobController(store, logs, readyDelayMs);
  const token = `flightdeck-emulator-${randomBytes(6).toString('hex')}`;
  const authorizer = new RbacAuthorizer(token);
  for (const ns of INITIAL_NAMESPACES) ensureNamespace(store, ns, Date.now());
  const requests: RecordedRequest[] = [];
  const watches = new Set<OpenWatch>();
  const faults = new FaultInjection();
  const reconcileAll = () => {
    controller.reconcileAll();
    jobs.reconcileAll();
  };
  let kick: NodeJS.Immediate | undefined;
  // After a write, what it changed is reconciled at once rather than at the next tick.
  const reconcileSoon = () => {
    kick ??= setImmediate(() => {
      kick = undefined;
      controller.reconcileWritten();
      jobs.reconcileAll();
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
    const recorded: RecordedRequest = { method, path: u.pathname, query: Object.fromEntries(u.searchParams), contentType, accept, body, user: undefined, attributes: undefined, denied: false };
    requests.push(recorded);
    const user = authorizer.authenticate(req.headers.authorization, verifiedClientOf(req));
    if (!user) throw new StatusError(401, 'Unauthorized', 'Unauthorized');
    recorded.user = user.username;
    if (faults.takeHang(method, u.pathname)) return new Promise<void>((resolve) => res.once('close', () => resolve()));
    const delay = faults.takeDelay(method, u.pathname);
    if (delay > 0) await new Promise((r) => setTimeout(r, delay));

    if (method === 'GET' && discovery(u.pathname, '') !== undefined) {
      recorded.denied = !authorizer.authorizePath(user, { verb: 'get', path: u.pathname }).allowed;
      if (recorded.denied) throw forbiddenPath(user.username, 'get', u.pathname);
      return sendJson(res, 200, discovery(u.pathname, url.replace(/^https?:\/\//, '')));
    }
    if (isReviewPath(u.pathname)) {
      if (bodyError) throw bodyError;
      const answer = answerReview(u.pathname, method, user, authorizer, body, Date.now());
      return sendJson(res, answer.code, answer.body);
    }
    const target = parseApiPath(u.pathname);
    if (!target) throw new StatusError(404, 'NotFound', 'the server could not find the requested resource');
    const attributes: RequestAttributes = {
      verb: verbOf(method, target.name, u.searchParams),
      apiGroup: target.type.group,
      resource: target.resource,
      ...(target.subresource ? { subresource: target.subresource } : {}),
      namespace: target.namespace,
      name: target.name ?? '',
    };
    recorded.attributes = attributes;
    const decision = authorizer.authorize(user, attributes);
    recorded.denied = !decision.allowed;
    if (!decision.allowed) throw forbidden(user.username, attributes, decision.reason);
    const fault = faults.check(method, u.pathname, user.username, attributes);
    if (fault) throw fault;
    if (bodyError) throw bodyError;
    if (target.subresource === 'log' && method === 'GET' && target.name !== undefined) {
      servePodLog(res, store, logs, target.namespace, target.name, u.searchParams);
      return;
    }
    const apiReq: ApiRequest = { method, ...target, query: u.searchParams, contentType: contentType ?? '', body };
    if (method === 'GET' && isWatch(u.searchParams)) {
      const onEnd = (w: OpenWatch) => watches.delete(w);
      const render = wantsTable(accept) ? tableWatchRenderer(target.type, u.searchParams.get('includeObject')) : undefined;
      watches.add(faults.takeSilence(method, u.pathname) ? openSilentWatch(res, onEnd) : startWatch(store, apiReq, res, onEnd, render));
      return;
    }
    const result = handleApi(store, apiReq, Date.now());
    // A dry run stored nothing, so the controllers have nothing to react to.
    if (method !== 'GET' && !u.searchParams.has('dryRun')) reconcileSoon();
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
  // Client certificates are asked for, not required: an unsigned or absent one falls through to the bearer token.
  const server = options.tls
    ? createTlsServer({ cert: EMULATOR_CERT, key: EMULATOR_KEY, ca: EMULATOR_CERT, requestCert: true, rejectUnauthorized: false }, handler)
    : createServer(handler);
  // Every TCP connection a client opened, TLS or not: a client that reuses its connections opens few.
  let connections = 0;
  server.on('connection', () => connections++);
  // kube-apiserver verifies a client certificate if one is given (Go's VerifyClientCertIfGiven): one no trusted CA
  // signed fails the handshake itself, before any request — it is not a 401. Prepended: ahead of the HTTP server's
  // own listener, so no request of that connection is parsed.
  server.prependListener('secureConnection', (socket: TLSSocket) => {
    if (!socket.authorized && Object.keys(socket.getPeerCertificate()).length > 0) socket.destroy();
  });
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
    get connections() {
      return connections;
    },
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
    writeKubeconfig: (path, contextName = 'emulator', as = token) => writeKubeconfig(path, [{ context: contextName, server: url, token: as, ...(caPem ? { caPem } : {}) }]),
    applyRbac: (objects) => authorizer.apply(objects),
    serviceAccountToken: (namespace, name) => authorizer.serviceAccountToken(namespace, name),
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
      controller.reconcileDeployment(o.namespace, o.name);
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
    visits: (namespace) => store.visits(namespace),
    compactHistory: () => store.compact(),
    pendingFaults: () => faults.pending(),
  };
}

/** The subject of a client certificate the client CA signed, or undefined (none given; an untrusted one never gets here). */
function verifiedClientOf(req: IncomingMessage): { cn: string; o: string[] } | undefined {
  const socket = req.socket as Partial<TLSSocket>;
  if (!socket.authorized || typeof socket.getPeerCertificate !== 'function') return undefined;
  const subject = socket.getPeerCertificate().subject as Record<string, string | string[] | undefined> | undefined;
  const cn = subject?.CN;
  if (typeof cn !== 'string') return undefined;
  const o = subject?.O;
  return { cn, o: o === undefined ? [] : Array.isArray(o) ? o : [o] };
}
