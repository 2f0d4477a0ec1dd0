import { Deployment } from 'kubernetes-models/apps/v1';
import { HorizontalPodAutoscaler } from 'kubernetes-models/autoscaling/v2';
import { Ingress, NetworkPolicy } from 'kubernetes-models/networking.k8s.io/v1';
import { PodDisruptionBudget } from 'kubernetes-models/policy/v1';
import { ClusterRole, ClusterRoleBinding, Role, RoleBinding } from 'kubernetes-models/rbac.authorization.k8s.io/v1';
import { ConfigMap, Pod, Secret, Service, ServiceAccount } from 'kubernetes-models/v1';
import { CRD_SHAPES } from './crd-shapes.js';
import type { RenderedObject } from './render-chart.js';

type Validatable = { validate(): void };
type ModelClass = new (data: never) => Validatable;

/** Every kind the chart may render, by `apiVersion/kind`; anything else is a test failure. */
const MODELS: Record<string, ModelClass> = {
  'v1/ConfigMap': ConfigMap,
  'v1/Secret': Secret,
  'v1/Service': Service,
  'v1/ServiceAccount': ServiceAccount,
  'v1/Pod': Pod,
  'apps/v1/Deployment': Deployment,
  'policy/v1/PodDisruptionBudget': PodDisruptionBudget,
  'autoscaling/v2/HorizontalPodAutoscaler': HorizontalPodAutoscaler,
  'networking.k8s.io/v1/NetworkPolicy': NetworkPolicy,
  'networking.k8s.io/v1/Ingress': Ingress,
  'rbac.authorization.k8s.io/v1/Role': Role,
  'rbac.authorization.k8s.io/v1/RoleBinding': RoleBinding,
  'rbac.authorization.k8s.io/v1/ClusterRole': ClusterRole,
  'rbac.authorization.k8s.io/v1/ClusterRoleBinding': ClusterRoleBinding,
};

/**
 * Validates one rendered object against the Kubernetes OpenAPI schema of its kind (or, for the custom resources,
 * the fields of their CRDs in crd-shapes.ts); throws naming the object.
 */
export function validateObject(object: RenderedObject): void {
  const key = `${object.apiVersion}/${object.kind}`;
  const { template: _template, ...manifest } = object;
  const shape = CRD_SHAPES[key];
  if (shape) {
    const parsed = shape.safeParse(manifest);
    if (!parsed.success) throw new Error(`${object.template}: ${key} ${object.metadata?.name} is invalid: ${parsed.error.message}`);
    return;
  }
  const Model = MODELS[key];
  if (!Model) throw new Error(`${object.template}: no schema known for ${key}`);
  try {
    new Model(manifest as never).validate();
  } catch (err) {
    throw new Error(`${object.template}: ${key} ${object.metadata?.name} is invalid: ${(err as Error).message}`);
  }
}
