import { Cluster } from 'ioredis';
import { createRedis } from '../run/store/create-redis.js';
import type { Secret } from '../config/secret.js';
import { maskRedisUrl } from '../config/redis-target.js';
import { type DoctorResult, failed, messageOf, ok, within } from './doctor-result.js';

/**
 * Redis answers PING, and would never evict a key: `maxmemory-policy` must be `noeviction`, since an evicted
 * lock or queued job breaks runs silently (BullMQ requires it too). On a Redis Cluster every master is asked:
 * flightdeck's slot may move to any of them after a failover or a resharding. Never rejects.
 */
export async function checkRedis(redisUrl: Secret, timeoutMs: number): Promise<DoctorResult> {
  const shown = maskRedisUrl(redisUrl);
  const redis = createRedis(redisUrl, { lazyConnect: true, maxRetriesPerRequest: 0, connectTimeout: timeoutMs, retryStrategy: () => null });
  // A refused connection is also reported through the rejected connect() below; this only keeps it off stderr.
  redis.on('error', () => undefined);
  try {
    await within(timeoutMs, redis.connect());
    const pong = await within(timeoutMs, redis.ping());
    const servers = redis instanceof Cluster ? redis.nodes('master') : [redis];
    const policies = await within(timeoutMs, Promise.all(servers.map(async (server) => /^maxmemory_policy:(\S+)/m.exec(await server.info('memory'))?.[1])));
    const evicting = policies.map((policy, i) => ({ policy, server: servers[i]! })).find(({ policy }) => policy !== undefined && policy !== 'noeviction');
    if (evicting) {
      const which = redis instanceof Cluster ? `the master ${evicting.server.options.host}:${evicting.server.options.port}'s` : 'its';
      return failed('redis', `${shown} answers ${pong}, but ${which} maxmemory-policy is ${evicting.policy}: it may evict a lock or a queued job`, 'set maxmemory-policy noeviction (CONFIG SET, redis.conf, or the managed service\'s parameter group)');
    }
    const masters = redis instanceof Cluster ? ` (a cluster of ${servers.length} masters)` : '';
    return ok('redis', `${shown} answers ${pong}${masters}${policies.some((policy) => policy !== undefined) ? ', maxmemory-policy noeviction' : ''}`);
  } catch (err) {
    return failed('redis', `${shown}: ${messageOf(err)}`, 'check REDIS_URL (redis://, rediss:// for TLS, redis+sentinel:// or redis+cluster://, with the password) and that this host can reach it');
  } finally {
    redis.disconnect();
  }
}
