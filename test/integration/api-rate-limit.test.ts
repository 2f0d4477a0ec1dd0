import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createTokenRateLimiter } from '../../src/api/take-rate-limit.js';
import { deleteKeys } from '../support/delete-keys.js';

let replicas: Redis[];
let prefix: string;

beforeEach(() => {
  // One connection per "web replica": the limit must hold across them, so nothing may be counted in a process.
  replicas = [new Redis({ host: '127.0.0.1', port: 6379 }), new Redis({ host: '127.0.0.1', port: 6379 })];
  prefix = `test-api-rate-${randomUUID()}`;
});

afterEach(async () => {
  await deleteKeys(replicas[0]!, `{${prefix}}:*`);
  await Promise.all(replicas.map((redis) => redis.quit()));
});

describe('the per-token rate limit of the CI API (real Redis)', () => {
  it('counts one token across replicas, refuses past the limit with a wait inside the window, and keeps tokens apart', async () => {
    const [a, b] = replicas.map((redis) => createTokenRateLimiter(redis, prefix));
    const turns = [];
    for (const limiter of [a!, b!, a!, b!]) turns.push(await limiter.take('ci', 3));
    expect(turns.map((turn) => turn.allowed)).toEqual([true, true, true, false]);
    const refused = turns[3]!;
    expect(refused.allowed === false && refused.retryAfterSeconds).toBeGreaterThanOrEqual(1);
    expect(refused.allowed === false && refused.retryAfterSeconds).toBeLessThanOrEqual(60);
    expect(await b!.take('other', 3)).toEqual({ allowed: true });
    expect(await replicas[0]!.get(`{${prefix}}:api-rate:ci`)).toBe('4');
  });

  it('opens a new window once the old one expired in Redis', async () => {
    const limiter = createTokenRateLimiter(replicas[0]!, prefix);
    expect(await limiter.take('ci', 1)).toEqual({ allowed: true });
    expect((await limiter.take('ci', 1)).allowed).toBe(false);
    // Expiring the key is what Redis does at the window's end; the premise is checked, not slept for.
    await replicas[0]!.del(`{${prefix}}:api-rate:ci`);
    expect(await limiter.take('ci', 1)).toEqual({ allowed: true });
    expect(await replicas[0]!.pttl(`{${prefix}}:api-rate:ci`)).toBeGreaterThan(59_000);
  });
});
