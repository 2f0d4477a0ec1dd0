import type { Env } from '../../config/load-env.js';
import { catalogued } from '../../errors/error-catalogue.js';
import { createRedis, type RedisClient } from './create-redis.js';

/**
 * The Redis connection of an operator's command (`flightdeck runs`, `flightdeck audit`): one retry per request,
 * so a wrong REDIS_URL fails at once instead of hanging.
 *
 * @throws FlightdeckError `redis-unavailable` when Redis cannot be reached.
 */
export async function connectCliRedis(env: Env): Promise<RedisClient> {
  const redis = createRedis(env.redisUrl, { maxRetriesPerRequest: 1, lazyConnect: true, retryStrategy: () => null });
  // The socket's own error (ECONNREFUSED, a TLS failure) says more than connect()'s "Connection is closed",
  // and ioredis would print it as an unhandled event otherwise.
  let cause: Error | undefined;
  redis.on('error', (err: Error) => (cause = err));
  try {
    await redis.connect();
  } catch (err) {
    redis.disconnect();
    throw catalogued('redis-unreachable', { cause: (cause ?? (err as Error)).message });
  }
  return redis;
}
