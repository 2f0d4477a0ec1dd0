import type { KObject } from './object-store.js';
import type { Resource } from './resource-types.js';
import { badRequest } from './status-error.js';

type Requirement = { key: string; op: '=' | '!=' | 'exists' | '!exists'; value: string };

function parseTerms(selector: string): Requirement[] {
  return selector
    .split(',')
    .map((t) => t.trim())
    .filter((t) => t !== '')
    .map((term): Requirement => {
      const ne = term.indexOf('!=');
      if (ne > 0) return { key: term.slice(0, ne), op: '!=', value: term.slice(ne + 2) };
      const eq2 = term.indexOf('==');
      if (eq2 > 0) return { key: term.slice(0, eq2), op: '=', value: term.slice(eq2 + 2) };
      const eq = term.indexOf('=');
      if (eq > 0) return { key: term.slice(0, eq), op: '=', value: term.slice(eq + 1) };
      if (term.startsWith('!')) return { key: term.slice(1), op: '!exists', value: '' };
      if (/^[\w./-]+$/.test(term)) return { key: term, op: 'exists', value: '' };
      throw badRequest(`unable to parse requirement: invalid selector term "${term}"`);
    });
}

function test(req: Requirement, actual: string | undefined): boolean {
  switch (req.op) {
    case '=':
      return actual === req.value;
    case '!=':
      return actual !== req.value;
    case 'exists':
      return actual !== undefined;
    case '!exists':
      return actual === undefined;
  }
}

/** Equality-based label selector (`a=b,c!=d,e,!f`); set-based (`in`, `notin`) is not supported. */
export function labelMatcher(selector: string | undefined): (obj: KObject) => boolean {
  if (!selector) return () => true;
  const reqs = parseTerms(selector);
  return (obj) => reqs.every((r) => test(r, obj.metadata?.labels?.[r.key]));
}

const get = (path: string) => (o: KObject) => {
  let v: unknown = o;
  for (const k of path.split('.')) v = (v as KObject | undefined)?.[k];
  return v === undefined || v === null ? '' : String(v);
};

/** The field labels the real API server indexes per resource, with where each one reads in the object. */
const FIELDS: Partial<Record<Resource, Record<string, (o: KObject) => string>>> = {
  events: {
    ...Object.fromEntries(['kind', 'namespace', 'name', 'uid', 'apiVersion', 'resourceVersion', 'fieldPath'].map((f) => [`involvedObject.${f}`, get(`involvedObject.${f}`)])),
    reason: get('reason'),
    reportingComponent: get('reportingComponent'),
    source: get('source.component'),
    type: get('type'),
  },
  pods: { 'spec.nodeName': get('spec.nodeName'), 'spec.restartPolicy': get('spec.restartPolicy'), 'status.phase': get('status.phase'), 'status.podIP': get('status.podIP') },
};

/**
 * Field selector over `metadata.name`, `metadata.namespace` and the resource's own field labels (Events by
 * involvedObject, as `kubectl describe` asks); an unknown label is refused in the API server's words.
 */
export function fieldMatcher(resource: Resource, selector: string | undefined): (obj: KObject) => boolean {
  if (!selector) return () => true;
  const own = FIELDS[resource];
  const fields: Record<string, (o: KObject) => string> = { 'metadata.name': get('metadata.name'), 'metadata.namespace': get('metadata.namespace'), ...own };
  const reqs = parseTerms(selector);
  for (const r of reqs) {
    if (fields[r.key]) continue;
    throw badRequest(own ? `field label not supported: ${r.key}` : `"${r.key}" is not a known field selector: only "metadata.name", "metadata.namespace"`);
  }
  return (obj) => reqs.every((r) => test(r, fields[r.key]?.(obj)));
}

/** Renders `spec.selector.matchLabels` as a label selector string. */
export function renderMatchLabels(matchLabels: Record<string, string> | undefined): string {
  return Object.entries(matchLabels ?? {})
    .map(([k, v]) => `${k}=${v}`)
    .join(',');
}
