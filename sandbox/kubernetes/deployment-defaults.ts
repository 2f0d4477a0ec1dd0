import type { KObject } from './object-store.js';
import { invalid } from './status-error.js';

/** The defaults apps/v1 applies to a new Deployment, so objects read back look like a real server's. */
export function applyDeploymentDefaults(d: KObject): KObject {
  const out = structuredClone(d);
  out.apiVersion = 'apps/v1';
  out.kind = 'Deployment';
  const spec = (out.spec ??= {});
  spec.replicas ??= 1;
  spec.revisionHistoryLimit ??= 10;
  spec.progressDeadlineSeconds ??= 600;
  spec.strategy ??= { type: 'RollingUpdate' };
  if (spec.strategy.type === undefined) spec.strategy.type = 'RollingUpdate';
  if (spec.strategy.type === 'RollingUpdate') {
    spec.strategy.rollingUpdate = { maxSurge: '25%', maxUnavailable: '25%', ...spec.strategy.rollingUpdate };
  }
  const template = (spec.template ??= {});
  // The real server serialises the typed PodTemplateSpec, so these zero values always appear; a typed client
  // (kubectl rollout undo) sends them back, and templates must still compare equal.
  template.metadata = { creationTimestamp: null, ...template.metadata };
  const podSpec = template.spec ?? {};
  podSpec.restartPolicy ??= 'Always';
  podSpec.terminationGracePeriodSeconds ??= 30;
  podSpec.dnsPolicy ??= 'ClusterFirst';
  podSpec.securityContext ??= {};
  podSpec.schedulerName ??= 'default-scheduler';
  for (const c of podSpec.containers ?? []) {
    c.resources ??= {};
    c.imagePullPolicy ??= String(c.image ?? '').endsWith(':latest') || !String(c.image ?? '').includes(':') ? 'Always' : 'IfNotPresent';
    c.terminationMessagePath ??= '/dev/termination-log';
    c.terminationMessagePolicy ??= 'File';
  }
  spec.template.spec = podSpec;
  return out;
}

/** The checks the real server makes that a rollout tool can trip over; failures are 422 Invalid. */
export function validateDeployment(d: KObject): void {
  const name = String(d.metadata?.name ?? '');
  const spec = d.spec ?? {};
  if (!Number.isInteger(spec.replicas) || spec.replicas < 0) {
    throw invalid('Deployment', name, 'spec.replicas', `Invalid value: ${JSON.stringify(spec.replicas)}: must be greater than or equal to 0`);
  }
  const matchLabels: Record<string, string> = spec.selector?.matchLabels ?? {};
  if (Object.keys(matchLabels).length === 0) {
    throw invalid('Deployment', name, 'spec.selector', 'Required value', 'FieldValueRequired');
  }
  const labels: Record<string, string> = spec.template?.metadata?.labels ?? {};
  if (Object.entries(matchLabels).some(([k, v]) => labels[k] !== v)) {
    throw invalid('Deployment', name, 'spec.template.metadata.labels', 'Invalid value: `selector` does not match template `labels`');
  }
  const containers: KObject[] = spec.template?.spec?.containers ?? [];
  if (containers.length === 0) {
    throw invalid('Deployment', name, 'spec.template.spec.containers', 'Required value', 'FieldValueRequired');
  }
  containers.forEach((c, i) => {
    if (!c.name) throw invalid('Deployment', name, `spec.template.spec.containers[${i}].name`, 'Required value', 'FieldValueRequired');
    if (!c.image) throw invalid('Deployment', name, `spec.template.spec.containers[${i}].image`, 'Required value', 'FieldValueRequired');
  });
}
