import { randomBytes } from 'node:crypto';
import { newUid } from './object-defaults.js';
import type { KObject, ObjectStore } from './object-store.js';
import { timestamp } from './rollout-math.js';

/** The namespaces a fresh cluster has. */
export const INITIAL_NAMESPACES = ['default', 'kube-node-lease', 'kube-public', 'kube-system'];

/**
 * Makes the Namespace object `name` exist. The real API server refuses objects in a namespace nobody
 * created (404 `namespaces "x" not found`); the emulator creates it instead, so a test can seed a Deployment
 * anywhere in one call, and `kubectl get ns` still lists every namespace that holds something.
 */
export function ensureNamespace(store: ObjectStore, name: string, now: number): void {
  if (name === '' || store.get('namespaces', '', name)) return;
  store.put('namespaces', {
    apiVersion: 'v1',
    kind: 'Namespace',
    metadata: { name, uid: newUid(), creationTimestamp: timestamp(now), labels: { 'kubernetes.io/metadata.name': name } },
    spec: { finalizers: ['kubernetes'] },
    status: { phase: 'Active' },
  });
}

/**
 * Records a core/v1 Event about `involved`, as a controller's event recorder does: named
 * `<object>.<random hex>`, source and reporting component set, count 1.
 */
export function recordEvent(store: ObjectStore, involved: KObject, reason: string, message: string, component: string, now: number, type: 'Normal' | 'Warning' = 'Normal'): void {
  const namespace = String(involved.metadata.namespace ?? 'default');
  const at = timestamp(now);
  store.put('events', {
    apiVersion: 'v1',
    kind: 'Event',
    metadata: { name: `${involved.metadata.name}.${randomBytes(8).toString('hex')}`, namespace, uid: newUid(), creationTimestamp: at },
    involvedObject: {
      apiVersion: involved.apiVersion,
      kind: involved.kind,
      namespace,
      name: involved.metadata.name,
      uid: involved.metadata.uid,
      resourceVersion: involved.metadata.resourceVersion,
    },
    reason,
    message,
    source: { component },
    firstTimestamp: at,
    lastTimestamp: at,
    count: 1,
    type,
    eventTime: null,
    reportingComponent: component,
    reportingInstance: '',
  });
}
