import { AppsV1Api, KubeConfig } from '@kubernetes/client-node';
import { FlightdeckError } from '../errors/flightdeck-error.js';

/** Everything needed to talk to one cluster context; created once per context and reused. */
export interface ClusterClient {
  readonly context: string;
  /** A KubeConfig whose current context is `context` (used for Watch). */
  readonly kubeConfig: KubeConfig;
  readonly apps: AppsV1Api;
}

export interface ClusterAccess {
  /**
   * The client for a kubeconfig context, cached per context.
   * Throws FlightdeckError('config-invalid') naming the known contexts when `context` does not exist.
   */
  forContext(context: string): ClusterClient;
}

export interface ClusterAccessOptions {
  /**
   * Kubeconfig file to read. Default: client-node's default loading ($KUBECONFIG, ~/.kube/config,
   * in-cluster service account). An unreadable or malformed file throws FlightdeckError('config-invalid')
   * on the first `forContext` call.
   */
  kubeconfigPath?: string;
}

/** Cluster access for the engine: one KubeConfig + AppsV1Api per kubeconfig context, created lazily. */
export function createClusterAccess(options: ClusterAccessOptions): ClusterAccess {
  const cache = new Map<string, ClusterClient>();

  function load(): KubeConfig {
    const kc = new KubeConfig();
    try {
      if (options.kubeconfigPath) kc.loadFromFile(options.kubeconfigPath);
      else kc.loadFromDefault();
    } catch (err) {
      throw new FlightdeckError('config-invalid', `Cannot load kubeconfig ${options.kubeconfigPath ?? '(default)'}: ${(err as Error).message}`, {
        remedy: 'Point FLIGHTDECK kubeconfig at a readable kubeconfig file.',
        cause: err,
      });
    }
    return kc;
  }

  return {
    forContext(context) {
      const cached = cache.get(context);
      if (cached) return cached;
      // A KubeConfig per context: setCurrentContext mutates it, and Watch reads the current context.
      const kc = load();
      const known = kc.getContexts().map((c) => c.name);
      if (!known.includes(context)) {
        throw new FlightdeckError('config-invalid', `Kubeconfig has no context "${context}"; known contexts: ${known.join(', ') || '(none)'}`, {
          remedy: 'Fix the cluster name in the service catalog or add the context to the kubeconfig.',
        });
      }
      kc.setCurrentContext(context);
      let apps: AppsV1Api;
      try {
        apps = kc.makeApiClient(AppsV1Api);
      } catch (err) {
        throw new FlightdeckError('config-invalid', `Kubeconfig context "${context}" is unusable: ${(err as Error).message}`, { cause: err });
      }
      const client: ClusterClient = { context, kubeConfig: kc, apps };
      cache.set(context, client);
      return client;
    },
  };
}
