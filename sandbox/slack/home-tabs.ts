import { newViewHash, slackId } from './slack-ids.js';
import type { ParsedView } from './validate-view.js';

/** A user's Home tab as the app last published it. */
export interface StoredHome extends ParsedView {
  id: string;
  userId: string;
  hash: string;
  /** Successful views.publish calls for this user. */
  publishes: number;
}

/**
 * Each user's Home tab: views.publish replaces it whole (the view id stays, the hash changes); a `hash`
 * argument that is not the current one is `hash_conflict`, as Slack guards against a stale publish.
 */
export class HomeTabs {
  private readonly homes = new Map<string, StoredHome>();

  constructor(private readonly now: () => number) {}

  publish(userId: string, parsed: ParsedView, hash: string | undefined): StoredHome | { error: string } {
    const current = this.homes.get(userId);
    if (hash !== undefined && hash !== '' && current?.hash !== hash) return { error: 'hash_conflict' };
    const home: StoredHome = { ...parsed, id: current?.id ?? slackId('V0'), userId, hash: newViewHash(this.now()), publishes: (current?.publishes ?? 0) + 1 };
    this.homes.set(userId, home);
    return home;
  }

  get(userId: string): StoredHome | undefined {
    return this.homes.get(userId);
  }
}

/** The home view object as views.publish returns it. */
export function wireHome(home: StoredHome, ids: { teamId: string; appId: string; botId: string }): Record<string, unknown> {
  return {
    id: home.id,
    team_id: ids.teamId,
    type: 'home',
    blocks: structuredClone(home.blocks),
    private_metadata: home.privateMetadata,
    callback_id: home.callbackId,
    state: { values: {} },
    hash: home.hash,
    title: { type: 'plain_text', text: 'View Title', emoji: true },
    clear_on_close: false,
    notify_on_close: false,
    close: null,
    submit: null,
    previous_view_id: null,
    root_view_id: home.id,
    app_id: ids.appId,
    external_id: home.externalId ?? '',
    app_installed_team_id: ids.teamId,
    bot_id: ids.botId,
  };
}
