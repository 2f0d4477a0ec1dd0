import { createHash } from 'node:crypto';
import type { KObject } from './object-store.js';

export const REVISION = 'deployment.kubernetes.io/revision';
export const REVISION_HISTORY = 'deployment.kubernetes.io/revision-history';
export const DESIRED_REPLICAS = 'deployment.kubernetes.io/desired-replicas';
export const MAX_REPLICAS = 'deployment.kubernetes.io/max-replicas';
export const HASH_LABEL = 'pod-template-hash';

/** Annotations the controller never copies from a Deployment to its ReplicaSets (deployment_util.go skip list). */
const SKIP_COPY = new Set([
  'kubectl.kubernetes.io/last-applied-configuration',
  REVISION,
  REVISION_HISTORY,
  DESIRED_REPLICAS,
  MAX_REPLICAS,
  'deprecated.deployment.rollback.to',
]);

export function copyableAnnotations(annotations: Record<string, string> | undefined): Record<string, string> {
  return Object.fromEntries(Object.entries(annotations ?? {}).filter(([k]) => !SKIP_COPY.has(k)));
}

/** JSON with sorted keys, so equal templates compare and hash equal whatever the key order. */
export function canonical(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonical).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value as KObject)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonical(v)}`).join(',')}}`;
  }
  return JSON.stringify(value);
}

/** The template without the controller's own `pod-template-hash` label, as the controller compares them. */
export function stripHash(template: KObject | undefined): KObject {
  const t = structuredClone(template ?? {});
  if (t.metadata?.labels) delete t.metadata.labels[HASH_LABEL];
  return t;
}

export function templatesEqual(a: KObject | undefined, b: KObject | undefined): boolean {
  return canonical(stripHash(a)) === canonical(stripHash(b));
}

/** Same alphabet as Kubernetes' SafeEncodeString (no vowels, no look-alike digits). */
const SAFE = 'bcdfghjklmnpqrstvwxz2456789';

export function templateHash(template: KObject | undefined): string {
  const digest = createHash('sha256').update(canonical(stripHash(template))).digest();
  let out = '';
  for (let i = 0; i < 10; i++) out += SAFE[(digest[i] ?? 0) % SAFE.length];
  return out;
}

export function revisionOf(obj: KObject): number {
  const n = Number(obj.metadata?.annotations?.[REVISION]);
  return Number.isFinite(n) ? n : 0;
}

/** Resolves an int-or-percent (`1`, `"25%"`) against the replica count, rounding like intstr. */
export function resolveIntOrPercent(value: unknown, fallback: string, total: number, roundUp: boolean): number {
  const v = value ?? fallback;
  if (typeof v === 'number') return v;
  const m = /^(\d+)%$/.exec(String(v));
  if (!m) return Number(v) || 0;
  const raw = (Number(m[1]) * total) / 100;
  return roundUp ? Math.ceil(raw) : Math.floor(raw);
}

/** RFC 3339 with second precision, as the API server serialises metav1.Time. */
export function timestamp(ms: number): string {
  return new Date(Math.floor(ms / 1000) * 1000).toISOString().replace('.000Z', 'Z');
}

export interface Condition {
  type: string;
  status: 'True' | 'False' | 'Unknown';
  reason: string;
  message: string;
  lastUpdateTime: string;
  lastTransitionTime: string;
}

export function findCondition(conditions: Condition[] | undefined, type: string): Condition | undefined {
  return conditions?.find((c) => c.type === type);
}

/** SetDeploymentCondition: unchanged status+reason is a no-op; same status keeps lastTransitionTime. */
export function setCondition(conditions: Condition[], next: Condition): Condition[] {
  const cur = findCondition(conditions, next.type);
  if (cur && cur.status === next.status && cur.reason === next.reason) return conditions;
  const merged = cur && cur.status === next.status ? { ...next, lastTransitionTime: cur.lastTransitionTime } : next;
  return [...conditions.filter((c) => c.type !== next.type), merged];
}

/** Replaces the condition outright but keeps lastTransitionTime while the status stays the same. */
export function replaceCondition(conditions: Condition[], next: Condition): Condition[] {
  const cur = findCondition(conditions, next.type);
  const merged = cur && cur.status === next.status ? { ...next, lastTransitionTime: cur.lastTransitionTime } : next;
  return [...conditions.filter((c) => c.type !== next.type), merged];
}

export function condition(type: string, status: Condition['status'], reason: string, message: string, now: number): Condition {
  const t = timestamp(now);
  return { type, status, reason, message, lastUpdateTime: t, lastTransitionTime: t };
}

/** Drops zero counters, as the API server's `omitempty` does: clients must treat absent as 0. */
export function omitZero<T extends Record<string, unknown>>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== 0 && v !== undefined)) as Partial<T>;
}
