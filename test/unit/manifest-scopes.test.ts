import { describe, expect, it } from 'vitest';
import { BOT_SCOPES, buildManifest } from '../../src/slack/build-manifest.js';
import { COMMANDS } from '../../src/start-flightdeck.js';
import { scopeNeeded } from '../../sandbox/slack/method-scopes.js';
import { slackMethodsInSrc } from '../support/slack-methods-in-src.js';

/**
 * Each Web API method flightdeck calls and the bot scopes its use needs (Slack's method reference pages,
 * "Scopes → Bot token"), with the reason. A new call without a row here fails the first test.
 */
const SCOPES_BY_METHOD: Record<string, { scopes: string[]; why: string }> = {
  'chat.postMessage': { scopes: ['chat:write'], why: 'run messages, thread replies, alerts, the on-call DM' },
  'chat.postEphemeral': { scopes: ['chat:write'], why: "the plan of a dry run asked for from the /deploy form, only the requester seeing it" },
  'chat.update': { scopes: ['chat:write'], why: 'edit the run message and an alert in place' },
  'conversations.history': {
    scopes: ['channels:history', 'groups:history'],
    why: 'find a run message whose post was answered too late; a run channel may be public (channels:) or private (groups:)',
  },
  'conversations.open': { scopes: ['im:write'], why: 'open a DM with the one person on call, or with who asked for /deploy stats (its chart)' },
  'users.lookupByEmail': {
    scopes: ['users:read.email', 'users:read'],
    why: "the on-call's Slack user from their PagerDuty email; Slack: users:read.email must be requested with users:read",
  },
  'users.info': { scopes: ['users:read'], why: 'name the people in a deployment log' },
  'files.getUploadURLExternal': { scopes: ['files:write'], why: 'the deployment log file and the /deploy stats chart (filesUploadV2, step 1)' },
  'files.completeUploadExternal': { scopes: ['files:write'], why: 'share the deployment log in the run thread, the stats chart in a DM (filesUploadV2, step 3)' },
  'usergroups.users.list': { scopes: ['usergroups:read'], why: 'role holders given as user groups' },
  'views.open': { scopes: [], why: 'the /deploy modal and the rollback confirmation (a trigger id is the permission)' },
  'views.publish': { scopes: [], why: 'the Home tab of whoever opens it (needs no scope; the manifest enables the tab)' },
  'auth.test': { scopes: [], why: "Bolt's token check at start-up; flightdeck doctor" },
  'apps.connections.open': { scopes: [], why: 'Socket Mode, on the app-level token (connections:write), not the bot token' },
};

/** Not a Web API method: the manifest declares slash commands, and Slack sends them only to apps holding `commands`. */
const FOR_SLASH_COMMANDS = 'commands';

/** Typical arguments of flightdeck's call of each method, for asking the emulator which scope Slack wants. */
const TYPICAL_ARGS: Record<string, Record<string, unknown>> = {
  'conversations.open': { users: 'U0ALICE' },
  'conversations.history': { channel: 'C0DEPLOY' },
};

describe('the manifest asks for exactly the scopes the code uses', () => {
  const uses = slackMethodsInSrc();
  const used = new Set(uses.map((u) => u.method));

  it('every Web API method the code calls has a row in the scope table', () => {
    const unknown = uses.filter((u) => !(u.method in SCOPES_BY_METHOD)).map((u) => `${u.method} at ${u.at}`);
    expect(unknown).toEqual([]);
  });

  it('every row of the table is a method the code calls', () => {
    expect(Object.keys(SCOPES_BY_METHOD).filter((method) => !used.has(method))).toEqual([]);
  });

  it('the scopes of the called methods, plus commands for the slash commands, are the manifest scopes', () => {
    const needed = new Set([FOR_SLASH_COMMANDS, ...[...used].flatMap((method) => SCOPES_BY_METHOD[method]?.scopes ?? [])]);
    const manifest = new Set(buildManifest({ commands: COMMANDS, socket: true }).oauth_config.scopes.bot);
    expect({ missing: [...needed].filter((s) => !manifest.has(s)).sort(), unused: [...manifest].filter((s) => !needed.has(s)).sort() }).toEqual({
      missing: [],
      unused: [],
    });
    expect([...manifest].sort()).toEqual([...BOT_SCOPES].sort());
  });

  it('the table agrees with the Slack emulator on the scope each call needs', () => {
    for (const method of used) {
      const asked = scopeNeeded(method, TYPICAL_ARGS[method] ?? {}, () => false);
      const table = SCOPES_BY_METHOD[method]?.scopes ?? [];
      if (asked === undefined) expect(table, method).toEqual([]);
      else expect(table, method).toContain(asked);
    }
    expect(scopeNeeded('conversations.history', { channel: 'G0PRIVATE' }, () => true)).toBe('groups:history');
  });
});
