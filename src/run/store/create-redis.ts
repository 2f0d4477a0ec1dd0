import { Cluster, Redis, type RedisOptions } from 'ioredis';
import { parseRedisTarget } from '../../config/redis-target.js';

/**
 * What flightdeck talks to Redis through: one connection, or a Redis Cluster client. Every key flightdeck
 * writes is under one hash tag (`{prefix}:`), so each command, script and MULTI lands on one slot either way.
 */
export type RedisClient = Redis | Cluster;

/**
 * A client for `REDIS_URL` (already validated by loadEnv): one server, the primary Sentinel names (ioredis asks
 * the sentinels for it again after a failover, so runs continue on the promoted replica), or a Redis Cluster,
 * whose client follows MOVED replies and re-reads the slot map when a replica takes over a failed master.
 */
export function createRedis(url: string, options: RedisOptions): RedisClient {
  const target = parseRedisTarget(url);
  if (target.kind === 'server') return new Redis(url, options);
  const credentials = {
    ...(target.username ? { username: target.username } : {}),
    ...(target.password ? { password: target.password } : {}),
  };
  if (target.kind === 'cluster') {
    const { lazyConnect, retryStrategy, enableOfflineQueue, enableAutoPipelining, ...perNode } = options;
    return new Cluster(target.seeds, {
      // BullMQ reads maxRetriesPerRequest (null for its blocking workers) from the nodes' options.
      redisOptions: { ...perNode, ...credentials, ...(target.tls ? { tls: {} } : {}) },
      ...(lazyConnect === undefined ? {} : { lazyConnect }),
      ...(enableOfflineQueue === undefined ? {} : { enableOfflineQueue }),
      ...(enableAutoPipelining === undefined ? {} : { enableAutoPipelining }),
      // A caller that gives up on a lost server (doctor, CLI) gives up on a lost cluster too.
      ...(retryStrategy ? { clusterRetryStrategy: (times: number) => retryStrategy(times) ?? null } : {}),
      // ioredis resolves node names to addresses before connecting; a TLS certificate names the host, not the address.
      ...(target.tls ? { dnsLookup: (address: string, lookup: (err: null, address: string) => void) => lookup(null, address) } : {}),
    });
  }
  return new Redis({
    ...options,
    sentinels: target.sentinels,
    name: target.name,
    db: target.db,
    ...credentials,
    ...(target.sentinelPassword ? { sentinelPassword: target.sentinelPassword } : {}),
    ...(target.tls ? { tls: {}, sentinelTLS: {}, enableTLSForSentinelMode: true } : {}),
    // Writes go to the primary only; a client left on a demoted primary would be refused with READONLY.
    role: 'master',
    failoverDetector: true,
  });
}
