import { randomUUID } from 'node:crypto';
import { applyDeploymentDefaults, validateDeployment } from './deployment-defaults.js';
import type { KObject } from './object-store.js';
import { type Resource, apiVersionOf, typeOf } from './resource-types.js';
import { invalid } from './status-error.js';

let nextClusterIp = 10;

function jobDefaults(input: KObject, uid: string): KObject {
  const j = structuredClone(input);
  const spec = (j.spec ??= {});
  spec.backoffLimit ??= 6;
  spec.completions ??= 1;
  spec.parallelism ??= 1;
  spec.completionMode ??= 'NonIndexed';
  spec.suspend ??= false;
  spec.podReplacementPolicy ??= 'TerminatingOrFailed';
  // The job controller's own labels, which select its pods (manualSelector is not supported).
  const own = { 'batch.kubernetes.io/controller-uid': uid, 'batch.kubernetes.io/job-name': String(j.metadata.name), 'controller-uid': uid, 'job-name': String(j.metadata.name) };
  spec.selector ??= { matchLabels: { 'batch.kubernetes.io/controller-uid': uid } };
  const template = (spec.template ??= {});
  template.metadata = { ...template.metadata, labels: { ...template.metadata?.labels, ...own } };
  const podSpec = (template.spec ??= {});
  podSpec.terminationGracePeriodSeconds ??= 30;
  podSpec.dnsPolicy ??= 'ClusterFirst';
  return j;
}

function validateJob(j: KObject): void {
  const name = String(j.metadata.name);
  const podSpec = j.spec?.template?.spec ?? {};
  if (podSpec.restartPolicy !== 'Never' && podSpec.restartPolicy !== 'OnFailure') {
    throw invalid('Job', name, 'spec.template.spec.restartPolicy', 'Required value: valid values: "OnFailure", "Never"', 'FieldValueRequired', 'batch');
  }
  const containers: KObject[] = podSpec.containers ?? [];
  if (containers.length === 0) throw invalid('Job', name, 'spec.template.spec.containers', 'Required value', 'FieldValueRequired', 'batch');
  const volumes = new Set(((podSpec.volumes ?? []) as KObject[]).map((v) => String(v.name)));
  containers.forEach((c, i) => {
    if (!c.image) throw invalid('Job', name, `spec.template.spec.containers[${i}].image`, 'Required value', 'FieldValueRequired', 'batch');
    ((c.volumeMounts ?? []) as KObject[]).forEach((m, j) => {
      if (!volumes.has(String(m.name))) throw invalid('Job', name, `spec.template.spec.containers[${i}].volumeMounts[${j}].name`, `Not found: "${m.name}"`, 'FieldValueNotFound', 'batch');
    });
  });
}

function serviceDefaults(input: KObject): KObject {
  const s = structuredClone(input);
  const spec = (s.spec ??= {});
  spec.type ??= 'ClusterIP';
  spec.sessionAffinity ??= 'None';
  if (spec.clusterIP === undefined) {
    spec.clusterIP = `10.96.0.${nextClusterIp++ % 250}`;
    spec.clusterIPs = [spec.clusterIP];
  }
  spec.ports = (spec.ports ?? []).map((p: KObject) => ({ protocol: 'TCP', targetPort: p.port, ...p }));
  return s;
}

function validateRoute(r: KObject): void {
  const name = String(r.metadata.name);
  const rules: KObject[] = r.spec?.rules ?? [];
  rules.forEach((rule, i) => {
    (rule.backendRefs ?? []).forEach((ref: KObject, j: number) => {
      const w = ref.weight;
      if (w !== undefined && (!Number.isInteger(w) || w < 0 || w > 1_000_000)) {
        const field = `spec.rules[${i}].backendRefs[${j}].weight`;
        throw invalid('HTTPRoute', name, field, `Invalid value: ${JSON.stringify(w)}: ${field} in body should be less than or equal to 1000000`, 'FieldValueInvalid', 'gateway.networking.k8s.io');
      }
    });
  });
}

/** Server-side defaults for a new or updated object of this type (apiVersion, kind, spec defaults). */
export function applyDefaults(resource: Resource, input: KObject, uid: string): KObject {
  const t = typeOf(resource);
  let out: KObject;
  if (resource === 'deployments') out = applyDeploymentDefaults(input);
  else if (resource === 'jobs') out = jobDefaults(input, uid);
  else if (resource === 'services') out = serviceDefaults(input);
  else out = structuredClone(input);
  out.apiVersion = apiVersionOf(t);
  out.kind = t.kind;
  return out;
}

/** The validation a rollout tool can trip over; throws 422 Invalid. */
export function validate(resource: Resource, obj: KObject): void {
  if (resource === 'deployments') validateDeployment(obj);
  else if (resource === 'jobs') validateJob(obj);
  else if (resource === 'httproutes') validateRoute(obj);
}

export function newUid(): string {
  return randomUUID();
}
