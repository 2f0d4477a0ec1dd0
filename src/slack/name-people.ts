import type { WebClient } from '@slack/web-api';
import type { PeopleNames } from '../format/deployment-log/log-text.js';

const SLACK_USER_ID = /^[UW][A-Z0-9]+$/;

/**
 * The names of the people among `actors` for a file where mentions do not render (users.info: full name,
 * else display name, else handle: a log read later is clearer with full names). A person Slack cannot
 * name (no `users:read`, a deleted user, a failed call) is left out and shown by id: a log is worth more
 * posted than perfectly worded.
 */
export async function namePeople(client: WebClient, actors: readonly string[]): Promise<PeopleNames> {
  const ids = [...new Set(actors.filter((actor) => SLACK_USER_ID.test(actor)))];
  const named = await Promise.all(
    ids.map(async (id) => {
      try {
        const { user } = await client.users.info({ user: id });
        const name = user?.real_name || user?.profile?.display_name || user?.name;
        return name ? ([id, name] as const) : undefined;
      } catch {
        return undefined;
      }
    }),
  );
  return Object.fromEntries(named.filter((entry) => entry !== undefined));
}
