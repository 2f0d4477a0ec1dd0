import { ApiException, VersionApi } from '@kubernetes/client-node';
import type { RedisClient } from '../run/store/create-redis.js';
import type { ClusterAccess } from '../k8s/create-cluster-access.js';

/** What `/readyz` answers: `checks` maps each dependency (`redis`, `cluster:<context>`) to `ok` or the problem. */
export interface ReadinessReport {
  ready: boolean;
  checks: Record<string, string>;
}

export interface ReadinessOptions {
  /**
   * Every connection the process's requests and jobs go through, by name (`queues`, `stores`): each is its own
   * client, and one can be refused while another works (Redis's `maxclients` reached as a pod starts).
   */
  redis: Readonly<Record<string, RedisClient>>;
  /** Cluster access and the kubeconfig contexts to check; omit for a process that does not talk to clusters. */
  clusters?: { access: ClusterAccess; contexts: readonly string[] };
  /** Each check's bound. Default 2000 ms, well inside a kubelet probe's default 1 s… 10 s timeouts. */
  timeoutMs?: number;
}

/** Resolves `work`, or rejects with "no answer within …" once `ms` pass; the timer never keeps the process alive. */
function within<T>(ms: number, work: Promise<T>): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer within ${ms} ms`)), ms);
    timer.unref();
  });
  return Promise.race([work, timeout]).finally(() => clearTimeout(timer));
}

async function checkRedis(redis: RedisClient, ms: number): Promise<string> {
  // A closed client never reconnects; any other state gets the PING queued until it connects or time runs out.
  if (redis.status === 'end' || redis.status === 'close') return `connection is ${redis.status}`;
  const reply = await within(ms, redis.ping());
  return reply === 'PONG' ? 'ok' : `unexpected PING reply ${JSON.stringify(reply)}`;
}

async function checkCluster(access: ClusterAccess, context: string, ms: number): Promise<string> {
  const client = access.forContext(context);
  try {
    await within(ms, client.kubeConfig.makeApiClient(VersionApi).getCode());
    return 'ok';
  } catch (err) {
    // The API server answered and knows who we are: reachable, even if this endpoint is not for us.
    if (err instanceof ApiException && (err.code === 403 || err.code === 404)) return 'ok';
    if (err instanceof ApiException && err.code === 401) return 'credentials rejected (401)';
    throw err;
  }
}

/**
 * Builds the readiness check: every Redis connection answers PING, and every listed cluster's API server answers, each
 * within `timeoutMs`, all in parallel. Never rejects: every failure becomes that check's text.
 */
export function createReadinessCheck(options: ReadinessOptions): () => Promise<ReadinessReport> {
  const ms = options.timeoutMs ?? 2000;
  return async () => {
    // The first connection that fails, by name: the report says which one to look at.
    const connections = Object.entries(options.redis).map(([name, client]) =>
      checkRedis(client, ms).then(
        (result) => (result === 'ok' ? result : `${name} connection: ${result}`),
        (err: unknown) => `${name} connection: ${(err as Error).message || String(err)}`,
      ),
    );
    const redis = Promise.all(connections).then((results) => results.find((result) => result !== 'ok') ?? 'ok');
    const checks: Array<[string, Promise<string>]> = [['redis', redis]];
    for (const context of new Set(options.clusters?.contexts ?? [])) {
      checks.push([`cluster:${context}`, checkCluster(options.clusters!.access, context, ms)]);
    }
    const results = await Promise.all(
      checks.map(async ([name, check]) => [name, await check.catch((err: unknown) => (err as Error).message || String(err))] as const),
    );
    return { ready: results.every(([, result]) => result === 'ok'), checks: Object.fromEntries(results) };
  };
}
