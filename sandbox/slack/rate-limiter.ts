/** A per-channel limit on one Web API method (Slack: about one message per second per channel). */
export interface RateLimitRule {
  method: string;
  /** Calls admitted per channel in any 1-second window; further calls get HTTP 429. */
  perChannelPerSecond: number;
}

const WINDOW_MS = 1000;

/**
 * Sliding one-second windows per (method, channel), on the emulator clock. Only admitted calls count,
 * so a client that backs off after a 429 gets through once the window has room again.
 */
export class RateLimiter {
  private readonly rules = new Map<string, number>();
  private readonly admitted = new Map<string, number[]>();

  /** Sets (or replaces) the limit for `rule.method`; throws on a limit below 1. */
  set(rule: RateLimitRule): void {
    if (!Number.isInteger(rule.perChannelPerSecond) || rule.perChannelPerSecond < 1) {
      throw new Error(`rateLimit: perChannelPerSecond must be a whole number >= 1, got ${rule.perChannelPerSecond}`);
    }
    this.rules.set(rule.method, rule.perChannelPerSecond);
  }

  /** Removes every rule and forgets past calls. */
  clear(): void {
    this.rules.clear();
    this.admitted.clear();
  }

  /** Admits the call (returns undefined) or returns the whole seconds to put in `Retry-After`. */
  check(method: string, channel: string, now: number): number | undefined {
    const limit = this.rules.get(method);
    if (limit === undefined) return undefined;
    const key = `${method}\u0000${channel}`;
    const recent = (this.admitted.get(key) ?? []).filter((at) => now - at < WINDOW_MS);
    if (recent.length >= limit) {
      this.admitted.set(key, recent);
      const oldest = recent[0] ?? now;
      return Math.max(1, Math.ceil((oldest + WINDOW_MS - now) / 1000));
    }
    recent.push(now);
    this.admitted.set(key, recent);
    return undefined;
  }
}
