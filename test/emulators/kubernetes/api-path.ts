import { type Resource, type ResourceType, RESOURCE_TYPES } from './resource-types.js';

/** A namespaced resource URL, parsed. */
export interface ApiTarget {
  type: ResourceType;
  resource: Resource;
  namespace: string;
  name: string | undefined;
  /** e.g. `log` for `/pods/{name}/log`. */
  subresource: string | undefined;
}

/**
 * Parses `/api/v1/namespaces/{ns}/{resource}[/{name}[/{sub}]]` and
 * `/apis/{group}/{version}/namespaces/{ns}/{resource}[/{name}[/{sub}]]` for the served resource types;
 * undefined for anything else (the caller answers 404).
 */
export function parseApiPath(path: string): ApiTarget | undefined {
  const m = /^\/(?:api\/([^/]+)|apis\/([^/]+)\/([^/]+))\/namespaces\/([^/]+)\/([^/]+)(?:\/([^/]+))?(?:\/([^/]+))?\/?$/.exec(path);
  if (!m) return undefined;
  const [, coreVersion, group, groupVersion, ns, plural, name, sub] = m;
  const type = RESOURCE_TYPES.find(
    (t) => t.resource === plural && (coreVersion !== undefined ? t.group === '' && t.version === coreVersion : t.group === group && t.version === groupVersion),
  );
  if (!type || ns === undefined) return undefined;
  if (sub !== undefined && !type.subresources.includes(sub)) return undefined;
  return {
    type,
    resource: type.resource,
    namespace: decodeURIComponent(ns),
    name: name === undefined ? undefined : decodeURIComponent(name),
    subresource: sub,
  };
}

/** The RBAC verb of a request, as the real authorizer derives it. */
export function verbOf(method: string, name: string | undefined, query: URLSearchParams): string {
  if (method === 'GET') return isWatch(query) ? 'watch' : name === undefined ? 'list' : 'get';
  return ({ POST: 'create', PATCH: 'patch', PUT: 'update', DELETE: 'delete' } as Record<string, string>)[method] ?? method.toLowerCase();
}

export function isWatch(query: URLSearchParams): boolean {
  const w = query.get('watch');
  return w === 'true' || w === '1';
}
