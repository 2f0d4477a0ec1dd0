import { AppsV1Api, BatchV1Api, CoreV1Api, CustomObjectsApi, KubeConfig } from '@kubernetes/client-node';
import { FlightdeckError } from '../errors/flightdeck-error.js';

/** Everything needed to talk to one cluster context; created once per context and reused. */
export interface ClusterClient {
  readonly context: string;
  /** A KubeConfig whose current context is `context` (used for Watch). */
  readonly kubeConfig: KubeConfig;
  readonly apps: AppsV1Api;
  readonly core: CoreV1Api;
  readonly batch: BatchV1Api;
  /** For custom resources such as Gateway API HTTPRoutes. */
  readonly custom: CustomObjectsApi;
}

/** The context name that selects the pod's service account instead of a kubeconfig context. */
export const IN_CLUSTER_CONTEXT = 'in-cluster';

export interface ClusterAccess {
  /**
   * The client for a kubeconfig context, cached per context; `in-cluster` uses the pod's service account
   * (KubeConfig.loadFromCluster) unless the kubeconfig itself has a context of that name.
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
  /**
   * Prefix of the service-account directory for `in-cluster` (KubeConfig.loadFromCluster's pathPrefix);
   * default '' (the real `/var/run/secrets/kubernetes.io/serviceaccount`). Tests point it at a temp dir.
   */
  inClusterPathPrefix?: string;
}

/** Cluster access for the engine: one KubeConfig + API clients per context, created lazily; many contexts at once. */
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
      if (context === IN_CLUSTER_CONTEXT && !kubeconfigHas(context)) return remember(context, loadInCluster(options.inClusterPathPrefix ?? ''));
      // A KubeConfig per context: setCurrentContext mutates it, and Watch reads the current context.
      const kc = load();
      const known = kc.getContexts().map((c) => c.name);
      if (!known.includes(context)) {
        throw new FlightdeckError('config-invalid', `Kubeconfig has no context "${context}"; known contexts: ${[...known, IN_CLUSTER_CONTEXT].join(', ')}`, {
          remedy: 'Fix the cluster name in the service catalog or add the context to the kubeconfig.',
        });
      }
      kc.setCurrentContext(context);
      return remember(context, kc);
    },
  };

  /** In a pod there may be no kubeconfig at all; that is no error for `in-cluster`. */
  function kubeconfigHas(context: string): boolean {
    try {
      return load().getContexts().some((c) => c.name === context);
    } catch {
      return false;
    }
  }

  function remember(context: string, kc: KubeConfig): ClusterClient {
    let client: ClusterClient;
    try {
      client = {
        context,
        kubeConfig: kc,
        apps: kc.makeApiClient(AppsV1Api),
        core: kc.makeApiClient(CoreV1Api),
        batch: kc.makeApiClient(BatchV1Api),
        custom: kc.makeApiClient(CustomObjectsApi),
      };
    } catch (err) {
      throw new FlightdeckError('config-invalid', `Kubeconfig context "${context}" is unusable: ${(err as Error).message}`, { cause: err });
    }
    cache.set(context, client);
    return client;
  }
}

function loadInCluster(pathPrefix: string): KubeConfig {
  if (!process.env.KUBERNETES_SERVICE_HOST) {
    throw new FlightdeckError('config-invalid', 'Cannot use in-cluster access: KUBERNETES_SERVICE_HOST is not set (not running in a pod)', {
      remedy: 'Run flightdeck in the cluster with a service account, or name a kubeconfig context instead of "in-cluster".',
    });
  }
  const kc = new KubeConfig();
  try {
    kc.loadFromCluster(pathPrefix);
  } catch (err) {
    throw new FlightdeckError('config-invalid', `Cannot use in-cluster access: ${(err as Error).message}`, { cause: err });
  }
  return kc;
}
