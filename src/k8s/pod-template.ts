/** The label the deployment controller adds to every ReplicaSet's template; never part of a revision's identity. */
export const POD_TEMPLATE_HASH = 'pod-template-hash';

/** Drops nulls, empty maps and empty lists, which typed clients and servers add or omit at will. */
function normalise(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(normalise);
  if (value !== null && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const k of Object.keys(value).sort()) {
      const v = normalise((value as Record<string, unknown>)[k]);
      if (v === null || v === undefined) continue;
      if (typeof v === 'object' && Object.keys(v).length === 0) continue;
      out[k] = v;
    }
    return out;
  }
  return value;
}

/** A pod template without the controller's `pod-template-hash` label (a deep copy). */
export function withoutHash(template: Record<string, unknown>): Record<string, unknown> {
  const copy = structuredClone(template) as { metadata?: { labels?: Record<string, string> } };
  if (copy.metadata?.labels) delete copy.metadata.labels[POD_TEMPLATE_HASH];
  return copy as Record<string, unknown>;
}

/** Template equality as the deployment controller and `kubectl rollout undo` see it (hash label ignored). */
export function sameTemplate(a: Record<string, unknown>, b: Record<string, unknown>): boolean {
  return JSON.stringify(normalise(withoutHash(a))) === JSON.stringify(normalise(withoutHash(b)));
}
