/**
 * The bot-token scope each emulated Web API method needs, as Slack's method reference pages
 * (https://docs.slack.dev/reference/methods/<method>, "Scopes → Bot token") list them. A method needing
 * no scope (auth.test, chat.getPermalink, views.*) is absent. `apps.connections.open` takes an app-level
 * token, whose `connections:write` scope the emulator does not model.
 */
const NEEDS: Readonly<Record<string, string>> = {
  'chat.postMessage': 'chat:write',
  'chat.update': 'chat:write',
  'chat.postEphemeral': 'chat:write',
  'files.getUploadURLExternal': 'files:write',
  'files.completeUploadExternal': 'files:write',
  'users.info': 'users:read',
  'users.lookupByEmail': 'users:read.email',
  'usergroups.users.list': 'usergroups:read',
  // One person: a DM (im:write); several: a group DM (mpim:write).
  'conversations.open': 'im:write',
  // Public channels need channels:history, private ones groups:history (DMs im:history, not emulated).
  'conversations.history': 'channels:history',
};

/** Every scope some emulated method can need: what the emulator grants when a test names none. */
export const ALL_EMULATED_SCOPES: readonly string[] = [...new Set([...Object.values(NEEDS), 'groups:history', 'mpim:write'])].sort();

/** The scope this call needs (undefined when none), as Slack decides it from the method and its target. */
export function scopeNeeded(method: string, args: Record<string, unknown>, isPrivateChannel: (id: string) => boolean): string | undefined {
  if (method === 'conversations.history' && typeof args.channel === 'string' && isPrivateChannel(args.channel)) return 'groups:history';
  if (method === 'conversations.open' && typeof args.users === 'string' && args.users.split(',').filter((u) => u.trim() !== '').length > 1) return 'mpim:write';
  return NEEDS[method];
}
