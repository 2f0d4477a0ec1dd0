import type { ApiTarget } from './api-path.js';
import { applyPatch } from './apply-patch.js';
import { dryRunView, isDryRun } from './dry-run.js';
import { applyDefaults, newUid, validate } from './object-defaults.js';
import type { KObject, ObjectStore } from './object-store.js';
import { type Resource, apiVersionOf, typeOf } from './resource-types.js';
import { canonical, timestamp } from './rollout-math.js';
import { fieldMatcher, labelMatcher } from './selectors.js';
import { ensureNamespace } from './cluster-records.js';
import { scaleOf, scaledDeployment } from './scale-subresource.js';
import { StatusError, alreadyExists, badRequest, conflict, notFound } from './status-error.js';

/** A parsed API request the handlers act on. */
export interface ApiRequest extends ApiTarget {
  method: string;
  query: URLSearchParams;
  contentType: string;
  body: unknown;
}

export interface JsonResult {
  code: number;
  body: unknown;
}

const notAllowed = () => new StatusError(405, 'MethodNotAllowed', 'the server does not allow this method on the requested resource');

/**
 * Handles every non-watch, non-subresource request; throws StatusError for API errors. A write with
 * `dryRun=All` goes through the same defaults, validation and conflict checks and answers the same, but
 * stores nothing (dry-run.ts).
 */
export function handleApi(objects: ObjectStore, req: ApiRequest, now: number): JsonResult {
  const { method, namespace, resource, name } = req;
  const store = isDryRun(method, req.query) ? dryRunView(objects) : objects;
  if (req.subresource === 'scale' && name !== undefined) return scale(store, req, name);
  if (method === 'GET' && name === undefined) {
    const byLabel = labelMatcher(req.query.get('labelSelector') ?? undefined);
    const byField = fieldMatcher(resource, req.query.get('fieldSelector') ?? undefined);
    const items = store.list(resource, namespace).filter((o) => byLabel(o) && byField(o));
    return {
      code: 200,
      body: { kind: `${req.type.kind}List`, apiVersion: apiVersionOf(req.type), metadata: { resourceVersion: String(store.currentRv) }, items },
    };
  }
  if (method === 'GET' && name !== undefined) {
    const obj = store.get(resource, namespace, name);
    if (!obj) throw notFound(resource, name);
    return { code: 200, body: obj };
  }
  if (method === 'POST' && name === undefined) {
    if (namespace === '' && req.type.namespaced !== false) throw notAllowed();
    return { code: 201, body: createObject(store, resource, namespace, req.body, now) };
  }
  if ((method === 'PATCH' || method === 'PUT') && name !== undefined) {
    const existing = store.get(resource, namespace, name);
    if (!existing) throw notFound(resource, name);
    if (req.body === null || typeof req.body !== 'object') throw badRequest('the request body must be a JSON object or array');
    if (method === 'PATCH' && req.type.custom && req.contentType.startsWith('application/strategic-merge-patch+json')) {
      throw new StatusError(415, 'UnsupportedMediaType', 'the body of the request was in an unknown format - accepted media types include: application/json-patch+json, application/merge-patch+json, application/apply-patch+yaml');
    }
    const next = method === 'PATCH' ? applyPatch(existing, req.contentType, req.body) : structuredClone(req.body as KObject);
    return { code: 200, body: updateObject(store, resource, existing, next) };
  }
  if (method === 'DELETE' && name !== undefined) {
    const existing = store.get(resource, namespace, name);
    if (!existing) throw notFound(resource, name);
    deleteCascading(store, resource, existing);
    const details = { name, group: req.type.group, kind: resource, uid: existing.metadata.uid };
    return { code: 200, body: { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Success', details } };
  }
  throw notAllowed();
}

/** GET, PATCH and PUT of a Deployment's Scale: the subresource `kubectl scale` and autoscalers use. */
function scale(store: ObjectStore, req: ApiRequest, name: string): JsonResult {
  const existing = store.get('deployments', req.namespace, name);
  if (!existing) throw notFound('deployments', name);
  if (req.method === 'GET') return { code: 200, body: scaleOf(existing) };
  if (req.method !== 'PATCH' && req.method !== 'PUT') throw notAllowed();
  const updated = updateObject(store, 'deployments', existing, scaledDeployment(existing, req.method, req.contentType, req.body));
  return { code: 200, body: scaleOf(updated) };
}

/** Creates an object with server-set identity, defaults and validation; `body` must be the object. */
export function createObject(store: ObjectStore, resource: Resource, namespace: string, body: unknown, now: number): KObject {
  const kind = typeOf(resource).kind;
  if (body === null || typeof body !== 'object' || Array.isArray(body)) throw badRequest(`the request body must be a ${kind} object`);
  const input = body as KObject;
  const name = input.metadata?.name;
  if (typeof name !== 'string' || name === '') throw badRequest('metadata.name: Required value: name or generateName is required');
  const namespaced = typeOf(resource).namespaced !== false;
  if (namespaced && input.metadata.namespace !== undefined && input.metadata.namespace !== namespace) {
    throw badRequest('the namespace of the provided object does not match the namespace sent on the request');
  }
  if (store.get(resource, namespace, name)) throw alreadyExists(resource, name);
  const uid = newUid();
  const o = applyDefaults(resource, input, uid);
  o.metadata = { ...o.metadata, ...(namespaced ? { namespace } : {}), uid, generation: 1, creationTimestamp: timestamp(now) };
  delete o.metadata.resourceVersion;
  if (resource === 'namespaces') {
    o.metadata.labels = { ...o.metadata.labels, 'kubernetes.io/metadata.name': name };
    o.spec = { finalizers: ['kubernetes'] };
    o.status = { phase: 'Active' };
  } else if (resource === 'events') delete o.status;
  else o.status = resource === 'httproutes' ? (o.status ?? {}) : {};
  validate(resource, o);
  if (namespaced) ensureNamespace(store, namespace, now);
  return store.put(resource, o);
}

/** Shared by PATCH and PUT: optimistic concurrency, immutable identity, generation on spec change. */
function updateObject(store: ObjectStore, resource: Resource, existing: KObject, next: KObject): KObject {
  const name = String(existing.metadata.name);
  const sentRv = next.metadata?.resourceVersion;
  if (sentRv !== undefined && sentRv !== '' && String(sentRv) !== existing.metadata.resourceVersion) throw conflict(resource, name);
  const o = applyDefaults(resource, next, existing.metadata.uid);
  o.metadata = {
    ...o.metadata,
    name,
    namespace: existing.metadata.namespace,
    uid: existing.metadata.uid,
    creationTimestamp: existing.metadata.creationTimestamp,
    generation: existing.metadata.generation,
    resourceVersion: existing.metadata.resourceVersion,
  };
  // Writes to the main resource never change status; that is the status subresource's job.
  o.status = existing.status;
  if (canonical(o.spec) !== canonical(existing.spec)) o.metadata.generation = Number(existing.metadata.generation) + 1;
  validate(resource, o);
  // A write that changes nothing keeps the resourceVersion and sends no watch event, like the real server.
  if (canonical(o) === canonical(existing)) return existing;
  return store.put(resource, o);
}

const DEPENDENTS: Partial<Record<Resource, Resource[]>> = { deployments: ['replicasets'], replicasets: ['pods'], jobs: ['pods'] };

/** Deletes the object and, like the garbage collector with background propagation, everything it controls. */
export function deleteCascading(store: ObjectStore, resource: Resource, obj: KObject): void {
  store.delete(resource, obj.metadata.namespace, obj.metadata.name);
  for (const dep of DEPENDENTS[resource] ?? []) {
    for (const child of store.listOwned(dep, obj.metadata.namespace, String(obj.metadata.uid))) deleteCascading(store, dep, child);
  }
}
