import { Redis, type RedisOptions } from 'ioredis';
import { parseRedisTarget } from '../../config/redis-target.js';

/**
 * A client for `REDIS_URL` (already validated by loadEnv): one server, or the primary Sentinel names, which
 * ioredis asks the sentinels for again after a failover, so runs continue on the promoted replica.
 */
export function createRedis(url: string, options: RedisOptions): Redis {
  const target = parseRedisTarget(url);
  if (target.kind === 'server') return new Redis(url, options);
  return new Redis({
    ...options,
    sentinels: target.sentinels,
    name: target.name,
    db: target.db,
    ...(target.username ? { username: target.username } : {}),
    ...(target.password ? { password: target.password } : {}),
    ...(target.sentinelPassword ? { sentinelPassword: target.sentinelPassword } : {}),
    ...(target.tls ? { tls: {}, sentinelTLS: {}, enableTLSForSentinelMode: true } : {}),
    // Writes go to the primary only; a client left on a demoted primary would be refused with READONLY.
    role: 'master',
    failoverDetector: true,
  });
}
