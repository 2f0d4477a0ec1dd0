import type { RedisClient } from '../../run/store/create-redis.js';
import { z } from 'zod';
import { emptyGuardHistory, type GuardHistory } from '../../probes/assess-guard.js';
import { measurementSchema } from '../../run/core/run-item-schema.js';

/** What flightdeck remembers about one guard of one run between evaluations. */
export interface GuardState {
  history: GuardHistory;
  /** The `since` of the episode already alerted on, so one episode raises one alert. */
  alertedSince?: number;
}

const guardStateSchema = z.object({
  history: z.object({
    unhealthySince: z.number().nullable(),
    breachingSince: z.number().nullable(),
    recent: z.array(measurementSchema),
  }),
  alertedSince: z.number().optional(),
});

/** A run's guards outlive no run by more than this; the keys then expire on their own. */
const TTL_SECONDS = 2 * 24 * 3600;

/**
 * Guard histories in Redis at `{prefix}:guard-history:<run>:<guard>`. The history is bounded by
 * `recordGuardMeasurement` (the measurements of one window), so each key stays small.
 */
export class GuardStateStore {
  constructor(
    private readonly redis: RedisClient,
    private readonly keyPrefix: string,
  ) {}

  key(runId: string, guardId: string): string {
    return `{${this.keyPrefix}}:guard-history:${runId}:${guardId}`;
  }

  /** The stored state, or an empty history when there is none or it no longer parses. */
  async load(runId: string, guardId: string): Promise<GuardState> {
    const text = await this.redis.get(this.key(runId, guardId));
    if (text === null) return { history: emptyGuardHistory };
    const parsed = guardStateSchema.safeParse(JSON.parse(text));
    return parsed.success ? parsed.data : { history: emptyGuardHistory };
  }

  async save(runId: string, guardId: string, state: GuardState): Promise<void> {
    await this.redis.set(this.key(runId, guardId), JSON.stringify(state), 'EX', TTL_SECONDS);
  }

  /**
   * Takes the run's evaluation lock for `ms`; false when another evaluation holds it. Two overlapping
   * evaluations would otherwise both read and write the same histories.
   */
  async lock(runId: string, ms: number): Promise<boolean> {
    return (await this.redis.set(`{${this.keyPrefix}}:guards-lock:${runId}`, '1', 'PX', ms, 'NX')) === 'OK';
  }

  async unlock(runId: string): Promise<void> {
    await this.redis.del(`{${this.keyPrefix}}:guards-lock:${runId}`);
  }
}
