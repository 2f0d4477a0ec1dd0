import type { KObject } from './object-store.js';
import { StatusError, badRequest } from './status-error.js';

export const PATCH_TYPES = {
  strategic: 'application/strategic-merge-patch+json',
  merge: 'application/merge-patch+json',
  json: 'application/json-patch+json',
} as const;

/**
 * Merge keys of the lists the emulator's objects carry, from the Kubernetes OpenAPI
 * `x-kubernetes-patch-merge-key` annotations. Lists not named here are replaced whole, as in the real server.
 */
const MERGE_KEYS: Record<string, string> = {
  containers: 'name',
  initContainers: 'name',
  ephemeralContainers: 'name',
  env: 'name',
  volumes: 'name',
  volumeMounts: 'mountPath',
  ports: 'containerPort',
  imagePullSecrets: 'name',
  conditions: 'type',
  ownerReferences: 'uid',
};

const isObject = (v: unknown): v is KObject => typeof v === 'object' && v !== null && !Array.isArray(v);

/** RFC 7386 JSON merge patch. */
export function mergePatch(target: unknown, patch: unknown): unknown {
  if (!isObject(patch)) return structuredClone(patch);
  const result: KObject = isObject(target) ? { ...target } : {};
  for (const [k, v] of Object.entries(patch)) {
    if (v === null) delete result[k];
    else result[k] = mergePatch(result[k], v);
  }
  return result;
}

function mergeList(target: unknown, patch: unknown[], mergeKey: string): unknown[] {
  const result: KObject[] = Array.isArray(target) ? target.map((x) => structuredClone(x)) : [];
  for (const item of patch) {
    if (!isObject(item)) continue;
    const { $patch: directive, ...rest } = item;
    const idx = result.findIndex((r) => r[mergeKey] === item[mergeKey]);
    if (directive === 'delete') {
      if (idx >= 0) result.splice(idx, 1);
    } else if (idx >= 0) {
      result[idx] = strategicMergePatch(result[idx], rest) as KObject;
    } else {
      result.push(strategicMergePatch({}, rest) as KObject);
    }
  }
  return result;
}

/**
 * Strategic merge patch for the fields Deployments use: maps merge, `null` deletes, keyed lists merge by
 * their merge key, other lists are replaced. `$setElementOrder/...` and `$retainKeys` (which kubectl sends)
 * are accepted and ignored; `$patch: replace|delete` on a map is honoured.
 */
export function strategicMergePatch(target: unknown, patch: unknown): unknown {
  if (!isObject(patch)) return structuredClone(patch);
  if (patch.$patch === 'replace') {
    const { $patch: _ignored, ...rest } = patch;
    return structuredClone(rest);
  }
  if (patch.$patch === 'delete') return undefined;
  const result: KObject = isObject(target) ? { ...target } : {};
  for (const [k, v] of Object.entries(patch)) {
    if (k.startsWith('$')) continue;
    if (v === null) {
      delete result[k];
    } else if (Array.isArray(v)) {
      const mergeKey = MERGE_KEYS[k];
      result[k] = mergeKey === undefined ? structuredClone(v) : mergeList(result[k], v, mergeKey);
    } else {
      const merged = strategicMergePatch(result[k], v);
      if (merged === undefined) delete result[k];
      else result[k] = merged;
    }
  }
  return result;
}

function decodePointer(path: string): string[] {
  if (path === '') return [];
  if (!path.startsWith('/')) throw badRequest(`json patch path "${path}" must start with "/"`);
  return path
    .slice(1)
    .split('/')
    .map((s) => s.replace(/~1/g, '/').replace(/~0/g, '~'));
}

function unprocessable(message: string): StatusError {
  return new StatusError(422, 'Invalid', message);
}

function parentOf(doc: KObject, tokens: string[], path: string): { parent: KObject | unknown[]; last: string } {
  let cur: unknown = doc;
  for (const t of tokens.slice(0, -1)) {
    if (Array.isArray(cur)) cur = cur[Number(t)];
    else if (isObject(cur)) cur = cur[t];
    else cur = undefined;
    if (cur === undefined) throw unprocessable(`the server rejected our request due to an error in our request: json patch path "${path}" does not exist`);
  }
  if (!Array.isArray(cur) && !isObject(cur)) throw unprocessable(`json patch path "${path}" does not point into an object or array`);
  return { parent: cur, last: tokens[tokens.length - 1] ?? '' };
}

function getAt(doc: KObject, path: string): unknown {
  let cur: unknown = doc;
  for (const t of decodePointer(path)) {
    if (Array.isArray(cur)) cur = cur[Number(t)];
    else if (isObject(cur)) cur = cur[t];
    else return undefined;
  }
  return cur;
}

function removeAt(doc: KObject, path: string): unknown {
  const { parent, last } = parentOf(doc, decodePointer(path), path);
  if (Array.isArray(parent)) {
    const i = Number(last);
    if (!(i >= 0 && i < parent.length)) throw unprocessable(`json patch remove: index ${last} out of range at "${path}"`);
    return parent.splice(i, 1)[0];
  }
  if (!(last in parent)) throw unprocessable(`json patch remove: "${path}" does not exist`);
  const old = parent[last];
  delete parent[last];
  return old;
}

function addAt(doc: KObject, path: string, value: unknown, replace: boolean): void {
  const { parent, last } = parentOf(doc, decodePointer(path), path);
  if (Array.isArray(parent)) {
    const i = last === '-' ? parent.length : Number(last);
    if (!(i >= 0 && i <= parent.length)) throw unprocessable(`json patch: index ${last} out of range at "${path}"`);
    if (replace) parent[i] = value;
    else parent.splice(i, 0, value);
    return;
  }
  if (replace && !(last in parent)) throw unprocessable(`json patch replace: "${path}" does not exist`);
  parent[last] = value;
}

/** RFC 6902 JSON patch. A body that is not an op array is 400; an op that cannot apply is 422. */
export function jsonPatch(target: KObject, ops: unknown): KObject {
  if (!Array.isArray(ops)) throw badRequest('json: cannot unmarshal object into Go value of type jsonpatch.Patch');
  let doc = structuredClone(target);
  for (const op of ops) {
    if (!isObject(op) || typeof op.op !== 'string' || typeof op.path !== 'string') throw badRequest('invalid json patch operation');
    const path = op.path;
    switch (op.op) {
      case 'add':
      case 'replace':
        if (path === '') doc = structuredClone(op.value);
        else addAt(doc, path, structuredClone(op.value), op.op === 'replace');
        break;
      case 'remove':
        removeAt(doc, path);
        break;
      case 'move':
        addAt(doc, path, removeAt(doc, String(op.from)), false);
        break;
      case 'copy':
        addAt(doc, path, structuredClone(getAt(doc, String(op.from))), false);
        break;
      case 'test':
        if (JSON.stringify(getAt(doc, path)) !== JSON.stringify(op.value)) throw unprocessable(`json patch test failed at "${path}"`);
        break;
      default:
        throw badRequest(`unknown json patch operation "${op.op}"`);
    }
  }
  return doc;
}

/** Applies a patch of the given Content-Type; unsupported types are 415 like the real server. */
export function applyPatch(target: KObject, contentType: string, body: unknown): KObject {
  const type = contentType.split(';')[0]?.trim();
  switch (type) {
    case PATCH_TYPES.strategic:
      return strategicMergePatch(target, body) as KObject;
    case PATCH_TYPES.merge:
      return mergePatch(target, body) as KObject;
    case PATCH_TYPES.json:
      return jsonPatch(target, body);
    default:
      throw new StatusError(
        415,
        'UnsupportedMediaType',
        `the body of the request was in an unknown format - accepted media types include: ${Object.values(PATCH_TYPES).join(', ')}, application/apply-patch+yaml`,
      );
  }
}
