import type { KubernetesEmulator } from './start-kubernetes-emulator.js';
import { writeKubeconfig } from './write-kubeconfig.js';

/**
 * Writes ONE kubeconfig with a context per emulator (each emulator = one cluster), the first one current,
 * so a single process can serve several clusters at once. Each context authenticates with its `token`
 * (default: the emulator's admin token). Throws on I/O errors or duplicate context names.
 */
export function writeKubeconfigFor(path: string, clusters: Array<{ context: string; emulator: KubernetesEmulator; namespace?: string; token?: string }>): void {
  writeKubeconfig(
    path,
    clusters.map((c) => ({ context: c.context, server: c.emulator.url, token: c.token ?? c.emulator.token, ...(c.emulator.caPem ? { caPem: c.emulator.caPem } : {}), ...(c.namespace ? { namespace: c.namespace } : {}) })),
  );
}
