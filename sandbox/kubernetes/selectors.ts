import type { KObject } from './object-store.js';
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

/** Field selector over `metadata.name` and `metadata.namespace`, the ones kubectl uses for Deployments. */
export function fieldMatcher(selector: string | undefined): (obj: KObject) => boolean {
  if (!selector) return () => true;
  const reqs = parseTerms(selector);
  for (const r of reqs) {
    if (r.key !== 'metadata.name' && r.key !== 'metadata.namespace') {
      throw badRequest(`"${r.key}" is not a known field selector: only "metadata.name", "metadata.namespace"`);
    }
  }
  return (obj) => reqs.every((r) => test(r, r.key === 'metadata.name' ? obj.metadata?.name : obj.metadata?.namespace));
}

/** Renders `spec.selector.matchLabels` as a label selector string. */
export function renderMatchLabels(matchLabels: Record<string, string> | undefined): string {
  return Object.entries(matchLabels ?? {})
    .map(([k, v]) => `${k}=${v}`)
    .join(',');
}
