import { readFileSync, readdirSync } from 'node:fs';
import { join, resolve } from 'node:path';

const SRC = resolve(import.meta.dirname, '../../src');

/** One permission the code needs: verb on (sub)resource in an API group. */
export interface Permission {
  apiGroup: string;
  resource: string;
  verb: string;
}

/** Where each call was found, so a failure points at the code. */
export interface FoundPermission extends Permission {
  at: string;
}

const CLIENT_GROUPS: Record<string, string> = { apps: 'apps', core: '', batch: 'batch' };
const VERBS: Record<string, string> = { create: 'create', read: 'get', list: 'list', patch: 'patch', replace: 'update', delete: 'delete', deleteCollection: 'deletecollection', get: 'get' };
/** client-node's generated method names: `readNamespacedPodLog`, `patchNamespacedDeploymentScale`, … */
const TYPED_CALL = /client\.(apps|core|batch)\.(create|read|list|patch|replace|delete|deleteCollection)Namespaced([A-Z][A-Za-z]*?)(Log|Scale|Status)?\(/g;
const CUSTOM_CALL = /client\.custom\.(get|list|create|patch|replace|delete)NamespacedCustomObject\(\s*\{\s*\.\.\.(\w+)/g;
const WATCH_PATH = /path:\s*`\/apis?\/(?:([a-z0-9.-]+)\/)?v1\/namespaces\/\$\{[^}]+\}\/([a-z]+)`/g;
/** Any client-node call on a namespaced resource, however written: every one must be matched above. */
const ANY_CALL = /\b\w+Namespaced\w*\(/g;

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? sourceFiles(join(dir, e.name)) : e.name.endsWith('.ts') ? [join(dir, e.name)] : []));
}

const plural = (kind: string) => `${kind.toLowerCase()}s`;
const line = (text: string, index: number) => text.slice(0, index).split('\n').length;

/**
 * Every Kubernetes permission flightdeck's code needs, read from its calls in src/: the typed client-node
 * methods (`client.apps.patchNamespacedDeployment` → patch deployments.apps), custom-object calls (group and
 * plural from the constant they spread) and the watch paths given to `watchUntil`. Throws when a call is
 * written in a way this reading does not understand, so a new call cannot slip past the Role check.
 */
export function requiredPermissions(): FoundPermission[] {
  const found: FoundPermission[] = [];
  // A group constant may be exported by one file and spread in another (set-route-weights.ts, dry-run-writes.ts).
  const sources = sourceFiles(SRC).map((file) => readFileSync(file, 'utf8'));
  const groupOf = (name: string) => {
    const pattern = new RegExp(`const ${name} = \\{ group: '([^']+)', version: '[^']+', plural: '([^']+)' \\}`);
    for (const text of sources) {
      const match = pattern.exec(text);
      if (match) return match;
    }
    return null;
  };
  for (const file of sourceFiles(SRC)) {
    const text = readFileSync(file, 'utf8');
    const where = (i: number) => `${file.slice(SRC.length - 3)}:${line(text, i)}`;
    let understood = 0;
    for (const m of text.matchAll(TYPED_CALL)) {
      understood += 1;
      const [, client, op, kind, sub] = m;
      const resource = `${plural(kind!)}${sub === undefined ? '' : `/${sub.toLowerCase()}`}`;
      // A log is read with GET on the pods/log subresource, whatever the method is called.
      found.push({ apiGroup: CLIENT_GROUPS[client!]!, resource, verb: sub === 'Log' ? 'get' : VERBS[op!]!, at: where(m.index) });
    }
    for (const m of text.matchAll(CUSTOM_CALL)) {
      understood += 1;
      const constant = groupOf(m[2]!);
      if (!constant) throw new Error(`${where(m.index)}: cannot find the group and plural of ${m[2]}`);
      found.push({ apiGroup: constant[1]!, resource: constant[2]!, verb: VERBS[m[1]!]!, at: where(m.index) });
    }
    for (const m of text.matchAll(WATCH_PATH)) found.push({ apiGroup: m[1] ?? '', resource: m[2]!, verb: 'watch', at: where(m.index) });
    const calls = [...text.matchAll(ANY_CALL)].filter((m) => !/^(describe|with)/.test(m[0]));
    if (calls.length !== understood) throw new Error(`${file}: ${calls.length} client calls but ${understood} understood; teach test/helm/required-rbac-rules.ts the new form`);
  }
  return found;
}

/** Permissions as RBAC rules: one rule per (group, resource), verbs sorted, in a stable order. */
export function asRules(permissions: Permission[]): Array<{ apiGroups: string[]; resources: string[]; verbs: string[] }> {
  const byResource = new Map<string, Set<string>>();
  for (const p of permissions) {
    const key = `${p.apiGroup}\u0000${p.resource}`;
    byResource.set(key, (byResource.get(key) ?? new Set()).add(p.verb));
  }
  return [...byResource.entries()]
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([key, verbs]) => {
      const [apiGroup, resource] = key.split('\u0000') as [string, string];
      return { apiGroups: [apiGroup], resources: [resource], verbs: [...verbs].sort() };
    });
}
