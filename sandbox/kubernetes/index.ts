export {
  startKubernetesEmulator,
  type KubernetesEmulator,
  type KubernetesEmulatorOptions,
  type RecordedRequest,
  type SeedDeploymentOptions,
} from './start-kubernetes-emulator.js';
export { ADMIN_USER, type RequestAttributes, serviceAccountUser } from './rbac-authorizer.js';
export { writeKubeconfigFor } from './write-kubeconfig-for.js';
export type { JobMatch, JobOutcome } from './job-controller.js';
export type { KObject } from './object-store.js';
export type { Resource } from './resource-types.js';
