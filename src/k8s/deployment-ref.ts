/** Names one container of one Deployment. */
export interface ContainerRef {
  namespace: string;
  deployment: string;
  container: string;
}

/** Names one Deployment. */
export interface DeploymentRef {
  namespace: string;
  deployment: string;
}

export const REVISION_ANNOTATION = 'deployment.kubernetes.io/revision';
export const CHANGE_CAUSE_ANNOTATION = 'kubernetes.io/change-cause';

/** `deployment prod/web`, the resource phrase used in error messages. */
export function describeDeployment(ref: DeploymentRef): string {
  return `deployment ${ref.namespace}/${ref.deployment}`;
}

/**
 * client-node deserialises into model instances with `Date` fields; a JSON round trip gives the plain wire
 * shape (Pod template fields have no renamed properties, so nothing is lost).
 */
export function toPlainJson(value: unknown): Record<string, unknown> {
  return JSON.parse(JSON.stringify(value ?? {})) as Record<string, unknown>;
}
