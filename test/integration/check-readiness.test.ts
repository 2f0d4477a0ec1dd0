import { Redis, type RedisOptions } from 'ioredis';
import { afterEach, describe, expect, it } from 'vitest';
import { createReadinessCheck } from '../../src/observability/check-readiness.js';

const clients: Redis[] = [];
const client = (options: RedisOptions = {}) => {
  const redis = new Redis({ host: '127.0.0.1', port: 6379, ...options });
  redis.on('error', () => {});
  clients.push(redis);
  return redis;
};

afterEach(() => {
  for (const redis of clients.splice(0)) redis.disconnect();
});

describe('readiness with more than one Redis connection', () => {
  it('is ready when every connection answers PING', async () => {
    const check = createReadinessCheck({ redis: { queues: client(), stores: client({ enableAutoPipelining: true }) }, timeoutMs: 2000 });
    expect(await check()).toEqual({ ready: true, checks: { redis: 'ok' } });
  });

  it('is not ready when one of them cannot reach Redis, and says which and why', async () => {
    // The second connection is refused (nothing listens there), as one refused by `maxclients` would be.
    const refused = client({ port: 1, maxRetriesPerRequest: null, retryStrategy: () => 100 });
    const check = createReadinessCheck({ redis: { queues: client(), stores: refused }, timeoutMs: 300 });
    expect(await check()).toEqual({ ready: false, checks: { redis: 'stores connection: no answer within 300 ms' } });
  });
});
