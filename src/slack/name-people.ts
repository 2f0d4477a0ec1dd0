import type { WebClient } from '@slack/web-api';
import type { PeopleNames } from '../format/deployment-log/log-text.js';

const SLACK_USER_ID = /^[UW][A-Z0-9]+$/;

/** How long a name Slack gave is used without asking again: a renamed person shows the new name that much later. */
const NAME_TTL_MS = 10 * 60_000;
/** Names kept at most; the oldest go first. */
const NAMES_KEPT = 5_000;

/**
 * Names users.info gave, kept for {@link NAME_TTL_MS}: the same few people request and approve most runs, and
 * every deployment log would otherwise ask Slack for each of them again (a call per person per run).
 */
export class NameCache {
  private readonly names = new Map<string, { name: string; at: number }>();

  constructor(private readonly now: () => number = Date.now) {}

  get(id: string): string | undefined {
    const entry = this.names.get(id);
    if (entry === undefined || this.now() - entry.at > NAME_TTL_MS) return undefined;
    return entry.name;
  }

  set(id: string, name: string): void {
    this.names.delete(id);
    this.names.set(id, { name, at: this.now() });
    if (this.names.size > NAMES_KEPT) this.names.delete(this.names.keys().next().value as string);
  }
}

/**
 * The names of the people among `actors` for a file where mentions do not render (users.info: full name,
 * else display name, else handle: a log read later is clearer with full names), from `cache` when it has
 * them. A person Slack cannot name (no `users:read`, a deleted user, a failed call) is left out and shown by
 * id: a log is worth more posted than perfectly worded.
 */
export async function namePeople(client: WebClient, actors: readonly string[], cache: NameCache = new NameCache()): Promise<PeopleNames> {
  const ids = [...new Set(actors.filter((actor) => SLACK_USER_ID.test(actor)))];
  const named = await Promise.all(
    ids.map(async (id) => {
      const known = cache.get(id);
      if (known !== undefined) return [id, known] as const;
      try {
        const { user } = await client.users.info({ user: id });
        const name = user?.real_name || user?.profile?.display_name || user?.name;
        if (!name) return undefined;
        cache.set(id, name);
        return [id, name] as const;
      } catch {
        return undefined;
      }
    }),
  );
  return Object.fromEntries(named.filter((entry) => entry !== undefined));
}
