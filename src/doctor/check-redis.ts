import { createRedis } from '../run/store/create-redis.js';
import type { Secret } from '../config/secret.js';
import { maskRedisUrl } from '../config/redis-target.js';
import { type DoctorResult, failed, messageOf, ok, within } from './doctor-result.js';

/**
 * Redis answers PING, and would never evict a key: `maxmemory-policy` must be `noeviction`, since an evicted
 * lock or queued job breaks runs silently (BullMQ requires it too). Never rejects.
 */
export async function checkRedis(redisUrl: Secret, timeoutMs: number): Promise<DoctorResult> {
  const shown = maskRedisUrl(redisUrl);
  const redis = createRedis(redisUrl, { lazyConnect: true, maxRetriesPerRequest: 0, connectTimeout: timeoutMs, retryStrategy: () => null });
  // A refused connection is also reported through the rejected connect() below; this only keeps it off stderr.
  redis.on('error', () => undefined);
  try {
    await within(timeoutMs, redis.connect());
    const pong = await within(timeoutMs, redis.ping());
    const info = await within(timeoutMs, redis.info('memory'));
    const policy = /^maxmemory_policy:(\S+)/m.exec(info)?.[1];
    if (policy !== undefined && policy !== 'noeviction') {
      return failed('redis', `${shown} answers ${pong}, but its maxmemory-policy is ${policy}: it may evict a lock or a queued job`, 'set maxmemory-policy noeviction (CONFIG SET, redis.conf, or the managed service\'s parameter group)');
    }
    return ok('redis', `${shown} answers ${pong}${policy ? ', maxmemory-policy noeviction' : ''}`);
  } catch (err) {
    return failed('redis', `${shown}: ${messageOf(err)}`, 'check REDIS_URL (redis://, rediss:// for TLS, or redis+sentinel://, with the password) and that this host can reach it');
  } finally {
    redis.disconnect();
  }
}
