/** One field a write would change; `from` is absent for a field (or object) that does not exist yet. */
export interface FieldChange {
  /** The field as a person reads it: `image of container api`, `annotation kubernetes.io/change-cause`, `replicas`, `weight of backend api-canary (rule 1)`. */
  field: string;
  from?: string;
  to?: string;
}

type Json = Record<string, unknown>;

const isObject = (value: unknown): value is Json => typeof value === 'object' && value !== null && !Array.isArray(value);
const at = (value: unknown, ...path: string[]): unknown => path.reduce<unknown>((node, key) => (isObject(node) ? node[key] : undefined), value);
const list = (value: unknown): Json[] => (Array.isArray(value) ? value.filter(isObject) : []);
const text = (value: unknown): string | undefined => (value === undefined || value === null ? undefined : typeof value === 'string' ? value : JSON.stringify(value));

/**
 * The fields a person decides a deploy on, compared between the object as stored (`before`; undefined when the
 * write creates it) and the object as the API server answered a dry run of the write (`after`): container
 * images, annotations, replicas for a Deployment; backend weights for an HTTPRoute. Fields the server moves on
 * every write (resourceVersion, generation, managedFields) are left out: they are noise, not the change. Pure.
 */
export function diffFields(kind: 'Deployment' | 'HTTPRoute', before: unknown, after: unknown): FieldChange[] {
  const changes: FieldChange[] = [];
  const compare = (field: string, from: unknown, to: unknown) => {
    const [a, b] = [text(from), text(to)];
    if (a !== b) changes.push({ field, ...(a === undefined ? {} : { from: a }), ...(b === undefined ? {} : { to: b }) });
  };
  if (kind === 'Deployment') {
    const containers = (o: unknown) => new Map(list(at(o, 'spec', 'template', 'spec', 'containers')).map((c) => [String(c.name), c.image]));
    const [was, will] = [containers(before), containers(after)];
    for (const name of new Set([...was.keys(), ...will.keys()])) compare(`image of container ${name}`, was.get(name), will.get(name));
    const annotations = (o: unknown): Json => (isObject(at(o, 'metadata', 'annotations')) ? (at(o, 'metadata', 'annotations') as Json) : {});
    const [a, b] = [annotations(before), annotations(after)];
    for (const key of [...new Set([...Object.keys(a), ...Object.keys(b)])].sort()) compare(`annotation ${key}`, a[key], b[key]);
    compare('replicas', at(before, 'spec', 'replicas'), at(after, 'spec', 'replicas'));
    return changes;
  }
  const weights = (o: unknown) =>
    list(at(o, 'spec', 'rules')).flatMap((rule, r) => list(rule.backendRefs).map((b) => [`weight of backend ${String(b.name)} (rule ${r + 1})`, b.weight] as const));
  const was = new Map(weights(before));
  const will = new Map(weights(after));
  for (const field of new Set([...was.keys(), ...will.keys()])) compare(field, was.get(field), will.get(field));
  return changes;
}
