import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { parseAllDocuments } from 'yaml';
import type { KObject } from './object-store.js';
import { sourceDir } from '../source-dir.js';

/** The chart's ServiceAccounts when installed as release `flightdeck` in namespace `flightdeck`. */
export const WORKER_ACCOUNT = { namespace: 'flightdeck', name: 'flightdeck-worker' } as const;
export const WEB_ACCOUNT = { namespace: 'flightdeck', name: 'flightdeck-web' } as const;

const COPY = resolve(sourceDir(import.meta.dirname), 'chart-rbac.yaml');
/** The namespace the committed copy was rendered for (`rbac.targetNamespaces: [shop]`). */
const RENDERED_FOR = 'shop';

/**
 * The chart's RBAC objects from the committed rendering (chart-rbac.yaml, kept equal to helm/flightdeck by
 * test/helm/rbac-rules.test.ts), with the Role and RoleBinding in each of `namespaces`: what the chart
 * renders for `rbac.targetNamespaces: [<namespaces>]`, since it repeats the same pair per namespace.
 * `edit` changes the rules before they are loaded (a test taking one verb away).
 */
export function loadChartRbac(namespaces: readonly string[] = [RENDERED_FOR], edit?: (rules: KObject[]) => KObject[]): KObject[] {
  const objects = parseAllDocuments(readFileSync(COPY, 'utf8')).map((d) => d.toJS() as KObject);
  return objects.flatMap((o) => {
    if (o.kind !== 'Role' && o.kind !== 'RoleBinding') return [o];
    return namespaces.map((namespace) => {
      const copy = structuredClone(o);
      copy.metadata.namespace = namespace;
      if (copy.kind === 'Role' && edit) copy.rules = edit(copy.rules);
      return copy;
    });
  });
}
