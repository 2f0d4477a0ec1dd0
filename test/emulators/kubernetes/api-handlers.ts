import { randomUUID } from 'node:crypto';
import type { ServerResponse } from 'node:http';
import { applyPatch } from './apply-patch.js';
import { applyDeploymentDefaults, validateDeployment } from './deployment-defaults.js';
import type { KObject, ObjectStore, Resource } from './object-store.js';
import { canonical, timestamp } from './rollout-math.js';
import { fieldMatcher, labelMatcher } from './selectors.js';
import { StatusError, alreadyExists, badRequest, conflict, notFound } from './status-error.js';

/** A parsed API request the handlers act on. */
export interface ApiRequest {
  method: string;
  namespace: string;
  resource: Resource;
  name: string | undefined;
  query: URLSearchParams;
  contentType: string;
  body: unknown;
}

export interface JsonResult {
  code: number;
  body: unknown;
}

const KINDS: Record<Resource, string> = { deployments: 'Deployment', replicasets: 'ReplicaSet' };

/** Parses `/apis/apps/v1/namespaces/{ns}/{resource}[/{name}]`; undefined for anything else. */
export function parseApiPath(path: string): { namespace: string; resource: Resource; name: string | undefined } | undefined {
  const m = /^\/apis\/apps\/v1\/namespaces\/([^/]+)\/(deployments|replicasets)(?:\/([^/]+))?\/?$/.exec(path);
  if (!m || !m[1] || !m[2]) return undefined;
  return { namespace: decodeURIComponent(m[1]), resource: m[2] as Resource, name: m[3] === undefined ? undefined : decodeURIComponent(m[3]) };
}

/** The RBAC verb of a request, as the real authorizer derives it. */
export function verbOf(method: string, name: string | undefined, query: URLSearchParams): string {
  const watch = query.get('watch');
  if (method === 'GET') return watch === 'true' || watch === '1' ? 'watch' : name === undefined ? 'list' : 'get';
  return ({ POST: 'create', PATCH: 'patch', PUT: 'update', DELETE: 'delete' } as Record<string, string>)[method] ?? method.toLowerCase();
}

export function isWatch(query: URLSearchParams): boolean {
  const w = query.get('watch');
  return w === 'true' || w === '1';
}

/** Handles every non-watch request; throws StatusError for API errors. */
export function handleApi(store: ObjectStore, req: ApiRequest, now: number): JsonResult {
  const { method, namespace, resource, name } = req;
  if (method === 'GET' && name === undefined) {
    const byLabel = labelMatcher(req.query.get('labelSelector') ?? undefined);
    const byField = fieldMatcher(req.query.get('fieldSelector') ?? undefined);
    const items = store.list(resource, namespace).filter((o) => byLabel(o) && byField(o));
    return {
      code: 200,
      body: { kind: `${KINDS[resource]}List`, apiVersion: 'apps/v1', metadata: { resourceVersion: String(store.currentRv) }, items },
    };
  }
  if (method === 'GET' && name !== undefined) {
    const obj = store.get(resource, namespace, name);
    if (!obj) throw notFound(resource, name);
    return { code: 200, body: obj };
  }
  if (resource !== 'deployments') throw new StatusError(405, 'MethodNotAllowed', `the server does not allow this method on the requested resource`);
  if (method === 'POST' && name === undefined) return { code: 201, body: createDeployment(store, namespace, req.body, now) };
  if ((method === 'PATCH' || method === 'PUT') && name !== undefined) {
    const existing = store.get('deployments', namespace, name);
    if (!existing) throw notFound(resource, name);
    if (req.body === null || typeof req.body !== 'object') throw badRequest('the request body must be a JSON object or array');
    const next = method === 'PATCH' ? applyPatch(existing, req.contentType, req.body) : structuredClone(req.body as KObject);
    return { code: 200, body: updateDeployment(store, existing, next) };
  }
  throw new StatusError(405, 'MethodNotAllowed', `the server does not allow this method on the requested resource`);
}

function createDeployment(store: ObjectStore, namespace: string, body: unknown, now: number): KObject {
  if (body === null || typeof body !== 'object' || Array.isArray(body)) throw badRequest('the request body must be a Deployment object');
  const input = body as KObject;
  const name = input.metadata?.name;
  if (typeof name !== 'string' || name === '') throw badRequest('metadata.name: Required value: name or generateName is required');
  if (input.metadata.namespace !== undefined && input.metadata.namespace !== namespace) {
    throw badRequest('the namespace of the provided object does not match the namespace sent on the request');
  }
  if (store.get('deployments', namespace, name)) throw alreadyExists('deployments', name);
  const d = applyDeploymentDefaults(input);
  d.metadata = { ...d.metadata, namespace, uid: randomUUID(), generation: 1, creationTimestamp: timestamp(now) };
  delete d.metadata.resourceVersion;
  d.status = {};
  validateDeployment(d);
  return store.put('deployments', d);
}

/** Shared by PATCH and PUT: optimistic concurrency, immutable identity, generation on spec change. */
function updateDeployment(store: ObjectStore, existing: KObject, next: KObject): KObject {
  const name = String(existing.metadata.name);
  const sentRv = next.metadata?.resourceVersion;
  if (sentRv !== undefined && sentRv !== '' && String(sentRv) !== existing.metadata.resourceVersion) throw conflict('deployments', name);
  const d = applyDeploymentDefaults(next);
  d.metadata = {
    ...d.metadata,
    name,
    namespace: existing.metadata.namespace,
    uid: existing.metadata.uid,
    creationTimestamp: existing.metadata.creationTimestamp,
    generation: existing.metadata.generation,
    resourceVersion: existing.metadata.resourceVersion,
  };
  // Writes to the main resource never change status; that is the status subresource's job.
  d.status = existing.status;
  if (canonical(d.spec) !== canonical(existing.spec)) d.metadata.generation = Number(existing.metadata.generation) + 1;
  validateDeployment(d);
  // A write that changes nothing keeps the resourceVersion and sends no watch event, like the real server.
  if (canonical(d) === canonical(existing)) return existing;
  return store.put('deployments', d);
}

/** An open watch stream the emulator can end, politely or abruptly. */
export interface OpenWatch {
  res: ServerResponse;
  stop: () => void;
}

/**
 * Streams watch events as NDJSON. A too-old resourceVersion gets a 200 with one ERROR event carrying the
 * 410 Expired Status, then the stream ends, which is what informers and kubectl expect.
 */
export function startWatch(store: ObjectStore, req: ApiRequest, res: ServerResponse, onEnd: (w: OpenWatch) => void): OpenWatch {
  const byLabel = labelMatcher(req.query.get('labelSelector') ?? undefined);
  let byField = fieldMatcher(req.query.get('fieldSelector') ?? undefined);
  if (req.name !== undefined) {
    const only = req.name;
    const f = byField;
    byField = (o) => o.metadata?.name === only && f(o);
  }
  res.writeHead(200, { 'Content-Type': 'application/json', 'Transfer-Encoding': 'chunked', 'Cache-Control': 'no-cache' });
  res.flushHeaders();
  const send = (type: string, object: unknown) => {
    if (!res.writableEnded && !res.destroyed) res.write(`${JSON.stringify({ type, object })}\n`);
  };
  let unsubscribe = () => {};
  let timer: NodeJS.Timeout | undefined;
  const watch: OpenWatch = {
    res,
    stop: () => {
      unsubscribe();
      if (timer) clearTimeout(timer);
    },
  };
  res.on('close', () => {
    watch.stop();
    onEnd(watch);
  });
  try {
    unsubscribe = store.watch(
      { resource: req.resource, namespace: req.namespace, matches: (o) => byLabel(o) && byField(o), send },
      req.query.get('resourceVersion') ?? undefined,
    );
  } catch (err) {
    if (!(err instanceof StatusError)) throw err;
    send('ERROR', err.status);
    res.end();
    return watch;
  }
  const timeoutSeconds = Number(req.query.get('timeoutSeconds') ?? 0);
  if (timeoutSeconds > 0) timer = setTimeout(() => res.end(), timeoutSeconds * 1000);
  return watch;
}
