import type { RedisClient } from '../run/store/create-redis.js';

/** What one request's turn came to: allowed, or refused with when to try again. */
export type RateDecision = { allowed: true } | { allowed: false; retryAfterSeconds: number };

/*
 * A fixed one-minute window per token, counted in Redis so every web replica shares it: the first request of a
 * window sets its expiry, later ones count up. The window is timed by Redis's clock (PEXPIRE/PTTL), so replicas'
 * clocks do not matter. KEYS[1] = the token's counter; ARGV[1] = the limit, ARGV[2] = the window in ms.
 * Returns 0 when allowed, else the ms until the window ends.
 */
const TAKE_LUA = `
local count = redis.call('INCR', KEYS[1])
if count == 1 then redis.call('PEXPIRE', KEYS[1], ARGV[2]) end
if count <= tonumber(ARGV[1]) then return 0 end
local ttl = redis.call('PTTL', KEYS[1])
if ttl < 0 then
  redis.call('PEXPIRE', KEYS[1], ARGV[2])
  ttl = tonumber(ARGV[2])
end
return ttl
`;

const WINDOW_MS = 60_000;

export interface TokenRateLimiter {
  /**
   * Counts one request of token `name` against `perMinute`. Rejects when Redis does (the API then answers 503
   * rather than let an unlimited request through).
   */
  take(name: string, perMinute: number): Promise<RateDecision>;
}

/** Per-token request limits kept under `{prefix}:api-rate:<token>`, shared by every web replica on this Redis. */
export function createTokenRateLimiter(redis: RedisClient, prefix: string): TokenRateLimiter {
  return {
    async take(name, perMinute) {
      const key = `{${prefix}}:api-rate:${name}`;
      const waitMs = Number(await redis.eval(TAKE_LUA, 1, key, String(perMinute), String(WINDOW_MS)));
      return waitMs === 0 ? { allowed: true } : { allowed: false, retryAfterSeconds: Math.max(1, Math.ceil(waitMs / 1000)) };
    },
  };
}
