import type { RedisClient } from '../../run/store/create-redis.js';
import { z } from 'zod';

export const incidentSchema = z.object({
  dedupKey: z.string(),
  /** `triggering` until PagerDuty accepted the trigger; follow-ups wait for `triggered`. */
  state: z.enum(['triggering', 'triggered', 'acknowledged', 'resolved']),
  breachAt: z.number(),
  action: z.enum(['rollback', 'page', 'notify']),
  triggeredAt: z.number().optional(),
  acknowledgedAt: z.number().optional(),
  resolvedAt: z.number().optional(),
});
export type Incident = z.infer<typeof incidentSchema>;

/** Kept long enough for a slow rollback; runs older than this are history, not incidents. */
const TTL_SECONDS = 7 * 24 * 3600;

/**
 * The PagerDuty incidents of runs (one per run and guard) and the progress of each alert, in Redis, so a
 * retried job skips what is already done and the resolution knows what to resolve. Keys are
 * `{prefix}:incidents:<run>` and `{prefix}:alert:<run>:<guard>:<breachAt>`.
 */
export class IncidentStore {
  constructor(
    private readonly redis: RedisClient,
    private readonly keyPrefix: string,
  ) {}

  private incidentsKey(runId: string): string {
    return `{${this.keyPrefix}}:incidents:${runId}`;
  }

  private progressKey(runId: string, guardId: string, breachAt: number): string {
    return `{${this.keyPrefix}}:alert:${runId}:${guardId}:${breachAt}`;
  }

  /** Every incident of the run, by guard id; entries that do not parse are skipped. */
  async incidents(runId: string): Promise<Map<string, Incident>> {
    const raw = await this.redis.hgetall(this.incidentsKey(runId));
    const found = new Map<string, Incident>();
    for (const [guardId, text] of Object.entries(raw)) {
      const parsed = incidentSchema.safeParse(JSON.parse(text));
      if (parsed.success) found.set(guardId, parsed.data);
    }
    return found;
  }

  async incident(runId: string, guardId: string): Promise<Incident | undefined> {
    const text = await this.redis.hget(this.incidentsKey(runId), guardId);
    if (text === null) return undefined;
    const parsed = incidentSchema.safeParse(JSON.parse(text));
    return parsed.success ? parsed.data : undefined;
  }

  /** Records a new incident unless one is already open for the guard; true when this call recorded it. */
  async open(runId: string, guardId: string, incident: Incident): Promise<boolean> {
    const current = await this.incident(runId, guardId);
    if (current && current.state !== 'resolved') return false;
    await this.put(runId, guardId, incident);
    return true;
  }

  async put(runId: string, guardId: string, incident: Incident): Promise<void> {
    const key = this.incidentsKey(runId);
    await this.redis.multi().hset(key, guardId, JSON.stringify(incident)).expire(key, TTL_SECONDS).exec();
  }

  /** Applies `change` to the guard's incident, if there is one; returns the stored result. */
  async change(runId: string, guardId: string, change: (incident: Incident) => Incident): Promise<Incident | undefined> {
    const current = await this.incident(runId, guardId);
    if (!current) return undefined;
    const next = change(current);
    await this.put(runId, guardId, next);
    return next;
  }

  /** Incidents not yet resolved. */
  async openIncidents(runId: string): Promise<Map<string, Incident>> {
    const all = await this.incidents(runId);
    return new Map([...all].filter(([, incident]) => incident.state !== 'resolved'));
  }

  /** A step of an alert already done (`channel`, `pagerduty`, `dm`…), with what it recorded. */
  async progress(runId: string, guardId: string, breachAt: number): Promise<Record<string, string>> {
    return this.redis.hgetall(this.progressKey(runId, guardId, breachAt));
  }

  async markProgress(runId: string, guardId: string, breachAt: number, step: string, value: string): Promise<void> {
    const key = this.progressKey(runId, guardId, breachAt);
    await this.redis.multi().hset(key, step, value).expire(key, TTL_SECONDS).exec();
  }
}
