import { readFileSync, readdirSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';

const ROOT = resolve(import.meta.dirname, '../..');

/** One Web API method flightdeck calls, and where. */
export interface SlackMethodUse {
  method: string;
  at: string;
}

/**
 * Calls the libraries make on flightdeck's behalf, which no line of src/ spells out: Bolt's `App` checks
 * its bot token with `auth.test` at start-up (token verification is on by default), and the Socket Mode
 * client opens its WebSocket with `apps.connections.open` on the app-level token.
 */
export const LIBRARY_CALLS: readonly SlackMethodUse[] = [
  { method: 'auth.test', at: '@slack/bolt App (token verification at start-up)' },
  { method: 'apps.connections.open', at: '@slack/socket-mode (app-level token)' },
];

/** `client.chat.postMessage(`, `this.firstPostClient.chat.update(`, `client.usergroups.users.list(` … */
const CLIENT_CALL = /\b\w*[cC]lient\.([a-z]+(?:\.[a-zA-Z]+)+)\(/g;
/**
 * WebClient helpers that call several methods: `filesUploadV2` asks `files.getUploadURLExternal` for an
 * upload URL, POSTs the bytes there (not a Web API method) and shares them with `files.completeUploadExternal`.
 */
const HELPER_CALLS: Readonly<Record<string, readonly string[]>> = {
  filesUploadV2: ['files.getUploadURLExternal', 'files.completeUploadExternal'],
};
const HELPER_CALL = /\b\w*[cC]lient\.(\w+)\(/g;
/** A call written any other way (by name) must not slip past the scan. */
const BY_NAME = /\.apiCall\(/g;

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? sourceFiles(join(dir, e.name)) : e.name.endsWith('.ts') ? [join(dir, e.name)] : []));
}

/**
 * Every Slack Web API method flightdeck's code calls: the WebClient calls in each file of src/ and
 * commands/ that imports a Slack package, plus {@link LIBRARY_CALLS}. Throws on a call by name
 * (`apiCall('…')`), which this reading does not follow.
 */
export function slackMethodsInSrc(): SlackMethodUse[] {
  const found: SlackMethodUse[] = [...LIBRARY_CALLS];
  for (const file of [...sourceFiles(join(ROOT, 'src')), ...sourceFiles(join(ROOT, 'commands'))]) {
    const text = readFileSync(file, 'utf8');
    if (!text.includes("from '@slack/")) continue;
    const where = (i: number) => `${relative(ROOT, file)}:${text.slice(0, i).split('\n').length}`;
    const byName = BY_NAME.exec(text);
    BY_NAME.lastIndex = 0;
    if (byName) throw new Error(`${where(byName.index)}: a Web API call by name; call it as client.<family>.<method>() so test/support/slack-methods-in-src.ts sees it`);
    for (const m of text.matchAll(CLIENT_CALL)) found.push({ method: m[1]!, at: where(m.index) });
    for (const m of text.matchAll(HELPER_CALL)) for (const method of HELPER_CALLS[m[1]!] ?? []) found.push({ method, at: where(m.index) });
  }
  return found;
}
