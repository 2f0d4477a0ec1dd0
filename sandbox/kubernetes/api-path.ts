import { type Resource, type ResourceType, RESOURCE_TYPES } from './resource-types.js';

/** A resource URL, parsed. */
export interface ApiTarget {
  type: ResourceType;
  resource: Resource;
  /** '' for cluster-scoped types and for a namespaced type listed or watched across all namespaces. */
  namespace: string;
  name: string | undefined;
  /** e.g. `log` for `/pods/{name}/log`. */
  subresource: string | undefined;
}

/**
 * Parses `/api/v1[/namespaces/{ns}]/{resource}[/{name}[/{sub}]]` and the same under
 * `/apis/{group}/{version}` for the served resource types; undefined for anything else (the caller answers
 * 404). A namespaced type without a namespace is the all-namespaces collection (`kubectl get -A`).
 */
export function parseApiPath(path: string): ApiTarget | undefined {
  const parts = path.replace(/\/$/, '').split('/').slice(1);
  let group = '';
  let rest: string[];
  let version: string | undefined;
  if (parts[0] === 'api') [version, rest] = [parts[1], parts.slice(2)];
  else if (parts[0] === 'apis') [group, version, rest] = [parts[1] ?? '', parts[2], parts.slice(3)];
  else return undefined;
  let namespace = '';
  if (rest[0] === 'namespaces' && rest.length >= 3) [namespace, rest] = [decodeURIComponent(rest[1]!), rest.slice(2)];
  const [plural, name, sub, ...extra] = rest;
  const type = RESOURCE_TYPES.find((t) => t.resource === plural && t.group === group && t.version === version);
  if (!type || extra.length > 0 || namespace === '' && name === '') return undefined;
  const namespaced = type.namespaced !== false;
  if (namespaced ? namespace === '' && name !== undefined : namespace !== '') return undefined;
  if (sub !== undefined && !type.subresources.includes(sub)) return undefined;
  return {
    type,
    resource: type.resource,
    namespace,
    name: name === undefined ? undefined : decodeURIComponent(name),
    subresource: sub,
  };
}

/** The RBAC verb of a request, as the real authorizer derives it. */
export function verbOf(method: string, name: string | undefined, query: URLSearchParams): string {
  if (method === 'GET') return isWatch(query) ? 'watch' : name === undefined ? 'list' : 'get';
  if (method === 'DELETE' && name === undefined) return 'deletecollection';
  return ({ POST: 'create', PATCH: 'patch', PUT: 'update', DELETE: 'delete' } as Record<string, string>)[method] ?? method.toLowerCase();
}

export function isWatch(query: URLSearchParams): boolean {
  const w = query.get('watch');
  return w === 'true' || w === '1';
}
