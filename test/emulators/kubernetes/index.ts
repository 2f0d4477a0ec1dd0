export {
  startKubernetesEmulator,
  type KubernetesEmulator,
  type KubernetesEmulatorOptions,
  type RecordedRequest,
  type SeedDeploymentOptions,
} from './start-kubernetes-emulator.js';
export type { KObject } from './object-store.js';
