import { AppsV1Api, BatchV1Api, CoreV1Api, CustomObjectsApi, KubeConfig, ServerConfiguration, createConfiguration } from '@kubernetes/client-node';
import { proxyFor, type ProxySettings } from '../config/proxy-settings.js';
import { FlightdeckError } from '../errors/flightdeck-error.js';
import { createTimeoutHttpLibrary } from './create-timeout-http-library.js';
import { EXEC_PLUGIN_REMEDY, execPluginProblem } from './exec-plugin-problem.js';

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
  /** The bound on every request of the API clients above (ClusterAccessOptions.requestTimeoutMs). */
  readonly requestTimeoutMs: number;
  /** How long one watch request lasts (ClusterAccessOptions.watchTimeoutMs). */
  readonly watchTimeoutMs: number;
}

const DEFAULT_REQUEST_TIMEOUT_MS = 15_000;
const DEFAULT_WATCH_TIMEOUT_MS = 60_000;

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
  /** PATH to look for a kubeconfig's exec credential plugin on (Env.searchPath); a context whose plugin is not there is refused. */
  searchPath?: string | undefined;
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
  /**
   * Whether this process runs in a pod (Env.inCluster, from `KUBERNETES_SERVICE_HOST`). Default false: the
   * context `in-cluster` then throws FlightdeckError('config-invalid') with a remedy.
   */
  inCluster?: boolean;
  /**
   * Bound on each API request (connect, headers and whole body), default 15000 ms. A request that takes longer
   * is aborted and fails as a retryable k8s-unavailable that names the timeout, so a hung API server costs a
   * step one retry instead of the whole step. Not applied to watch streams, which are long-lived by design.
   */
  requestTimeoutMs?: number;
  /**
   * How long one watch request lasts, default 60000 ms: sent as `timeoutSeconds`, so the API server ends a
   * quiet stream cleanly and the watch resumes from its last resourceVersion. A stream still open
   * `requestTimeoutMs` after that is taken for a dead connection, and the object is listed again.
   */
  watchTimeoutMs?: number;
  /**
   * The environment's proxies (HTTPS_PROXY, NO_PROXY), default none. A cluster whose kubeconfig entry has its
   * own `proxy-url` keeps it; any other goes through the proxy for its server's URL unless NO_PROXY names the
   * server (the in-cluster server is an IP address: list it, or the Service CIDR, in NO_PROXY).
   */
  proxy?: ProxySettings;
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
      if (context === IN_CLUSTER_CONTEXT && !kubeconfigHas(context)) return remember(context, loadInCluster(options.inClusterPathPrefix ?? '', options.inCluster ?? false));
      // A KubeConfig per context: setCurrentContext mutates it, and Watch reads the current context.
      const kc = load();
      const known = kc.getContexts().map((c) => c.name);
      if (!known.includes(context)) {
        throw new FlightdeckError('config-invalid', `Kubeconfig has no context "${context}"; known contexts: ${[...known, IN_CLUSTER_CONTEXT].join(', ')}`, {
          remedy: 'Fix the cluster name in the service catalog or add the context to the kubeconfig.',
        });
      }
      kc.setCurrentContext(context);
      const problem = execPluginProblem(kc, options.searchPath);
      if (problem) throw new FlightdeckError('config-invalid', `Kubeconfig context "${context}" cannot authenticate here: ${problem}`, { remedy: EXEC_PLUGIN_REMEDY });
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
    const requestTimeoutMs = options.requestTimeoutMs ?? DEFAULT_REQUEST_TIMEOUT_MS;
    let client: ClusterClient;
    try {
      applyEnvironmentProxy(kc, options.proxy);
      // What KubeConfig.makeApiClient builds, plus the request bound.
      const server = kc.getCurrentCluster()?.server;
      if (!server) throw new Error('it names no cluster');
      const config = createConfiguration({
        baseServer: new ServerConfiguration(server, {}),
        authMethods: { default: kc },
        httpApi: createTimeoutHttpLibrary(requestTimeoutMs),
      });
      client = {
        context,
        kubeConfig: kc,
        apps: new AppsV1Api(config),
        core: new CoreV1Api(config),
        batch: new BatchV1Api(config),
        custom: new CustomObjectsApi(config),
        requestTimeoutMs,
        watchTimeoutMs: options.watchTimeoutMs ?? DEFAULT_WATCH_TIMEOUT_MS,
      };
    } catch (err) {
      throw new FlightdeckError('config-invalid', `Kubeconfig context "${context}" is unusable: ${(err as Error).message}`, { cause: err });
    }
    cache.set(context, client);
    return client;
  }
}

/**
 * Sets the current cluster's `proxy-url` to the environment's proxy for its server, which client-node then
 * tunnels through with CONNECT for API calls and watches alike. Its own `proxy-url` wins, as with kubectl.
 */
function applyEnvironmentProxy(kc: KubeConfig, proxy: ProxySettings | undefined): void {
  const cluster = kc.getCurrentCluster();
  if (!cluster || cluster.proxyUrl || proxy === undefined) return;
  const via = proxyFor(proxy, cluster.server);
  if (via === undefined) return;
  kc.clusters = kc.clusters.map((c) => (c === cluster ? { ...c, proxyUrl: via.href } : c));
}

function loadInCluster(pathPrefix: string, inCluster: boolean): KubeConfig {
  if (!inCluster) {
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
