import type { MessageStore } from './message-store.js';
import { slackId } from './slack-ids.js';
import type { KnownUser } from './slack-types.js';

/** Outcome of {@link Directory.openConversation}. */
export type OpenedConversation = { ok: true; channel: string; alreadyOpen: boolean } | { ok: false; error: string };

const MAX_MPIM_USERS = 8;

/** Workspace members, user groups and the DM channels opened with them. */
export class Directory {
  readonly users = new Map<string, KnownUser>();
  private readonly groups = new Map<string, string[]>();
  private readonly conversations = new Map<string, string>();

  constructor(private readonly store: MessageStore) {}

  /** Adds or replaces a member. */
  addUser(user: KnownUser): void {
    this.users.set(user.id, user);
  }

  /** Adds a user group or replaces its members (to prove a membership cache expires). */
  addUsergroup(id: string, userIds: readonly string[]): void {
    this.groups.set(id, [...userIds]);
  }

  /** Members of a user group; undefined when unknown. */
  usergroup(id: string): string[] | undefined {
    const members = this.groups.get(id);
    return members ? [...members] : undefined;
  }

  /** The member with this email, compared case-insensitively as Slack does. */
  byEmail(email: string): KnownUser | undefined {
    const wanted = email.toLowerCase();
    return [...this.users.values()].find((u) => u.email?.toLowerCase() === wanted);
  }

  /** The DM channel already opened with `userId`, if any. */
  dmChannel(userId: string): string | undefined {
    return this.conversations.get(userId);
  }

  /**
   * Opens (or finds) the bot's DM with one user, or a group DM with 2–8. The channel becomes a known
   * channel of the message store, so posts to it are stored like any other.
   */
  openConversation(userIds: readonly string[]): OpenedConversation {
    if (userIds.length === 0) return { ok: false, error: 'users_list_not_supplied' };
    if (userIds.length > MAX_MPIM_USERS) return { ok: false, error: 'too_many_users' };
    if (userIds.some((id) => !this.users.has(id))) return { ok: false, error: 'user_not_found' };
    const key = [...new Set(userIds)].sort().join(',');
    const existing = this.conversations.get(key);
    if (existing) return { ok: true, channel: existing, alreadyOpen: true };
    const channel = slackId(userIds.length === 1 ? 'D0' : 'G0');
    this.conversations.set(key, channel);
    this.store.addChannel(channel);
    return { ok: true, channel, alreadyOpen: false };
  }

  /** True for a conversation this directory opened. */
  isConversation(channel: string): boolean {
    return [...this.conversations.values()].includes(channel);
  }
}
