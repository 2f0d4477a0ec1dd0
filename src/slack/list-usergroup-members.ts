import type { WebClient } from '@slack/web-api';
import { toSlackError } from './slack-notifier.js';

/** Reads a Slack user group's members (`usergroups.users.list`); the role resolver caches the answer. */
export function listUsergroupMembers(client: WebClient): (groupId: string) => Promise<string[]> {
  return async (groupId) => {
    try {
      const result = await client.usergroups.users.list({ usergroup: groupId });
      return result.users ?? [];
    } catch (err) {
      throw toSlackError(err, 'usergroups.users.list');
    }
  };
}
