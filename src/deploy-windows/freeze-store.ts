import type { RedisClient } from '../run/store/create-redis.js';
import { z } from 'zod';
import type { ActiveFreeze } from './window-state.js';

const storedFreezeSchema = z.object({ from: z.number(), until: z.number(), reason: z.string(), by: z.string() });

/**
 * Freezes declared with `/deploy freeze`, one per environment, at `{prefix}:freeze:<environment>` beside the runs. Each key expires
 * when its freeze ends, so an expired freeze needs nobody to lift it.
 */
export class FreezeStore {
  constructor(
    private readonly redis: RedisClient,
    private readonly prefix: string,
  ) {}

  private key(environment: string): string {
    return `{${this.prefix}}:freeze:${environment}`;
  }

  /** The environment's declared freeze, if one is in effect at `now`; a stored value that does not parse counts as none. */
  async active(environment: string, now: number): Promise<(ActiveFreeze & { by: string }) | undefined> {
    const raw = await this.redis.get(this.key(environment));
    if (raw === null) return undefined;
    let parsed: ReturnType<typeof storedFreezeSchema.safeParse>;
    try {
      parsed = storedFreezeSchema.safeParse(JSON.parse(raw));
    } catch {
      return undefined;
    }
    return parsed.success && parsed.data.from <= now && now < parsed.data.until ? parsed.data : undefined;
  }

  /** Declares (or replaces) the environment's freeze; the key lives until the freeze ends. */
  async declare(environment: string, freeze: ActiveFreeze & { by: string }): Promise<void> {
    await this.redis.set(this.key(environment), JSON.stringify(freeze), 'PXAT', freeze.until);
  }

  /** Lifts the environment's declared freeze; returns it, or undefined when there was none. */
  async lift(environment: string, now: number): Promise<(ActiveFreeze & { by: string }) | undefined> {
    const freeze = await this.active(environment, now);
    await this.redis.del(this.key(environment));
    return freeze;
  }
}
