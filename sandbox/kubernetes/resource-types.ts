/** What the emulator serves of one resource type, and how discovery describes it. */
export interface ResourceType {
  /** '' for the core group. */
  group: string;
  version: string;
  /** Plural, as in URLs. */
  resource: Resource;
  kind: string;
  singular: string;
  shortNames: string[];
  verbs: string[];
  categories?: string[];
  /** Subresources the emulator serves, e.g. `log` for pods. */
  subresources: string[];
  /** Custom resources accept no strategic merge patch, as the real server refuses it for CRDs. */
  custom: boolean;
  /** False for cluster-scoped types (Namespaces); default true. */
  namespaced?: boolean;
}

export type Resource = 'deployments' | 'replicasets' | 'pods' | 'services' | 'jobs' | 'httproutes' | 'namespaces' | 'events' | 'secrets' | 'configmaps' | 'persistentvolumeclaims';

const ALL_VERBS = ['create', 'delete', 'deletecollection', 'get', 'list', 'patch', 'update', 'watch'];

export const RESOURCE_TYPES: readonly ResourceType[] = [
  { group: '', version: 'v1', resource: 'pods', kind: 'Pod', singular: 'pod', shortNames: ['po'], verbs: ALL_VERBS, categories: ['all'], subresources: ['log'], custom: false },
  { group: '', version: 'v1', resource: 'namespaces', kind: 'Namespace', singular: 'namespace', shortNames: ['ns'], verbs: ['create', 'delete', 'get', 'list', 'patch', 'update', 'watch'], subresources: [], custom: false, namespaced: false },
  { group: '', version: 'v1', resource: 'events', kind: 'Event', singular: 'event', shortNames: ['ev'], verbs: ALL_VERBS, subresources: [], custom: false },
  /*
   * Served as plain stored objects: flightdeck never reads them, but kubectl looks a type up in discovery before it
   * asks (`auth can-i get secrets` warns "the server doesn't have a resource type" otherwise), as it finds them on a real cluster.
   */
  { group: '', version: 'v1', resource: 'secrets', kind: 'Secret', singular: 'secret', shortNames: [], verbs: ALL_VERBS, subresources: [], custom: false },
  { group: '', version: 'v1', resource: 'configmaps', kind: 'ConfigMap', singular: 'configmap', shortNames: ['cm'], verbs: ALL_VERBS, subresources: [], custom: false },
  /* Read by the scheduler for a Job's pod that mounts one (pod-config-problem.ts); bound as soon as created. */
  { group: '', version: 'v1', resource: 'persistentvolumeclaims', kind: 'PersistentVolumeClaim', singular: 'persistentvolumeclaim', shortNames: ['pvc'], verbs: ALL_VERBS, subresources: ['status'], custom: false },
  { group: '', version: 'v1', resource: 'services', kind: 'Service', singular: 'service', shortNames: ['svc'], verbs: ALL_VERBS, categories: ['all'], subresources: [], custom: false },
  { group: 'apps', version: 'v1', resource: 'deployments', kind: 'Deployment', singular: 'deployment', shortNames: ['deploy'], verbs: ALL_VERBS, categories: ['all'], subresources: ['scale'], custom: false },
  { group: 'apps', version: 'v1', resource: 'replicasets', kind: 'ReplicaSet', singular: 'replicaset', shortNames: ['rs'], verbs: ALL_VERBS, categories: ['all'], subresources: [], custom: false },
  { group: 'batch', version: 'v1', resource: 'jobs', kind: 'Job', singular: 'job', shortNames: [], verbs: ALL_VERBS, categories: ['all'], subresources: [], custom: false },
  { group: 'gateway.networking.k8s.io', version: 'v1', resource: 'httproutes', kind: 'HTTPRoute', singular: 'httproute', shortNames: [], verbs: ALL_VERBS, categories: ['gateway-api'], subresources: [], custom: true },
];

export function typeOf(resource: Resource): ResourceType {
  const t = RESOURCE_TYPES.find((r) => r.resource === resource);
  if (!t) throw new Error(`emulator has no resource type ${resource}`);
  return t;
}

/** `apps/v1` or `v1`. */
export function apiVersionOf(t: ResourceType): string {
  return t.group === '' ? t.version : `${t.group}/${t.version}`;
}

/** `deployments` → `deployments.apps`, `pods` → `pods`: the "qualified resource" the API server names in messages. */
export function qualified(resource: string): string {
  const t = RESOURCE_TYPES.find((r) => r.resource === resource);
  return t && t.group !== '' ? `${resource}.${t.group}` : resource;
}

export function groupOf(resource: string): string {
  return RESOURCE_TYPES.find((r) => r.resource === resource)?.group ?? '';
}
