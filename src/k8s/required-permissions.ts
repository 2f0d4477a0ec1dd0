/** One Kubernetes permission: a verb on a (sub)resource of an API group ('' is the core group). */
export interface K8sPermission {
  group: string;
  resource: string;
  subresource?: string;
  verb: string;
}

/**
 * Every permission flightdeck's worker uses in a service's namespace, as data for `flightdeck doctor`, which
 * runs from the image, where neither src/ nor the chart is. test/helm/required-permissions.test.ts proves it
 * equal to what the calls in src/k8s need (read from the code by test/helm/required-rbac-rules.ts), and
 * test/helm/rbac-rules.test.ts proves the chart's Role grants exactly that.
 */
export const REQUIRED_PERMISSIONS: readonly K8sPermission[] = [
  ...['create', 'get', 'list', 'patch', 'watch'].map((verb) => ({ group: 'apps', resource: 'deployments', verb })),
  { group: 'apps', resource: 'replicasets', verb: 'list' },
  { group: '', resource: 'pods', verb: 'list' },
  ...['get', 'patch'].map((verb) => ({ group: '', resource: 'services', verb })),
  { group: '', resource: 'pods', subresource: 'log', verb: 'get' },
  ...['create', 'get', 'list', 'watch'].map((verb) => ({ group: 'batch', resource: 'jobs', verb })),
  ...['get', 'patch'].map((verb) => ({ group: 'gateway.networking.k8s.io', resource: 'httproutes', verb })),
];

/** `patch deployments.apps`, `get pods/log`: how kubectl names a permission. */
export function describePermission(p: K8sPermission): string {
  return `${p.verb} ${p.group === '' ? p.resource : `${p.resource}.${p.group}`}${p.subresource ? `/${p.subresource}` : ''}`;
}
