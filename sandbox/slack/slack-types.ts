import type { RateLimitRule } from './rate-limiter.js';
import type { SocketModeControl } from './socket-mode-server.js';
import type { StoredHome } from './home-tabs.js';
import type { StoredView, ViewAckRecord } from './view-store.js';
import type { Block } from './block.js';
import type { UploadedFile } from './file-store.js';

// The block type has its own module so the stores and validators can use it without importing this file,
// which imports their types (a cycle otherwise).
export type { Block, UploadedFile };

/** Message metadata an app attached with `chat.postMessage` / `chat.update`. */
export interface MessageMetadata {
  event_type: string;
  event_payload: Record<string, unknown>;
}

/** A message in a channel (top-level or thread reply), as Slack would render it now. */
/** A file as the message that shares it lists it. */
export interface SharedFileRef {
  id: string;
  name: string;
  title: string;
}

export interface StoredMessage {
  channel: string;
  ts: string;
  text: string;
  blocks: Block[];
  /** Author user id: the bot user for app posts, a human for seeded messages. */
  user: string;
  /** Set when the bot posted it; `chat.update` refuses messages without it. */
  botId?: string;
  /** Parent ts for thread replies. */
  threadTs?: string;
  /** Set when the poster attached metadata; `conversations.history` returns it only with `include_all_metadata`. */
  metadata?: MessageMetadata;
  /** Files it shares (`files.completeUploadExternal` with a channel posts the message that shares them). */
  files?: SharedFileRef[];
  /** Number of successful `chat.update` / `replace_original` edits. */
  edits: number;
  /** Thread replies, oldest first (always empty on replies themselves). */
  replies: StoredMessage[];
}

/** An ephemeral message: visible to one user, never editable through `chat.update`. */
export interface EphemeralMessage {
  channel: string;
  user: string;
  ts: string;
  text: string;
  blocks: Block[];
  threadTs?: string;
  /** How it arrived: `chat.postEphemeral` or a POST to a response URL. */
  via: 'api' | 'response_url';
}

/** One Web API call as received, whatever its outcome. */
export interface RecordedCall {
  method: string;
  /** Body fields; JSON-string fields (`blocks`, `attachments`, `metadata`, `view`) parsed when valid. */
  args: Record<string, unknown>;
  token?: string;
  at: number;
  /** What the emulator answered (or would have, when `dropped`). */
  status: number;
  response: Record<string, unknown>;
  /** The method ran but its answer was never sent: the connection was destroyed instead ({@link SlackEmulator.dropAnswerNext}). */
  dropped?: true;
}

/** A JSON body POSTed to a response URL. */
export interface RecordedResponse {
  id: string;
  url: string;
  body: Record<string, unknown>;
  at: number;
  /** HTTP status the emulator answered with (404 once used up / expired). */
  status: number;
}

/** What an injected fault answers instead of the real method. */
export interface FaultReply {
  /** HTTP status; default 200 (a platform error), or 429 when `retryAfter` is set. */
  status?: number;
  /** Slack error code; default `ratelimited` for 429, `internal_error` otherwise. */
  error?: string;
  /** Seconds for the `Retry-After` header. */
  retryAfter?: number;
}

/** What an injected response-URL fault answers instead of applying the POST ({@link SlackEmulator.failNextResponse}). */
export interface ResponseFault {
  /** HTTP status; default 404, how Slack refuses a URL that expired, was used up or never existed. A 5xx is Slack down. */
  status?: number;
  /** The `error` of the JSON body (`expired_url`, `used_url`, `invalid_url`); default `expired_url` for 404, `internal_error` otherwise. */
  error?: string;
}

/** Where a response URL came from, so replies to it land where Slack would put them. */
export interface ResponseUrlContext {
  channelId?: string;
  userId?: string;
  /** The message holding the clicked element: enables `replace_original` / `delete_original`. */
  messageTs?: string;
}

/** A workspace member the emulator knows (for `users.info` and driver payloads). */
export interface KnownUser {
  id: string;
  name: string;
  realName?: string;
  email?: string;
  isBot?: boolean;
}

/** Options of {@link startSlackEmulator}. */
export interface SlackEmulatorOptions {
  /** Listening port on 127.0.0.1; default 0 (any free port). */
  port?: number;
  /** The only accepted bot token; default `xoxb-test`. */
  token?: string;
  /** Known channel ids; default `['C0DEPLOY']`. */
  channels?: string[];
  /** Private channels (also known): reading their history needs `groups:history` instead of `channels:history`. */
  privateChannels?: string[];
  /** Known channels the bot is not a member of: posting a message or sharing a file there answers `not_in_channel`. */
  botAbsentFrom?: string[];
  /**
   * The bot token's granted scopes: a call needing another answers `missing_scope` with `needed` and
   * `provided`, and every answer to the bot token carries them in `x-oauth-scopes`. Default: every scope an
   * emulated method needs.
   */
  scopes?: readonly string[];
  /** Default `T0TEST`. */
  teamId?: string;
  /** Default `U0BOT`. */
  botUserId?: string;
  /** Default `B0BOT`. */
  botId?: string;
  /** Default `A0BOT`. */
  appId?: string;
  /** Known humans; default alice (U0ALICE) and bob (U0BOB). */
  users?: KnownUser[];
  /** User groups (`S…` id to member ids) for `usergroups.users.list`; default none. */
  usergroups?: Record<string, string[]>;
  /** Workspace domain used in permalinks and `auth.test`; default `acme`. */
  teamDomain?: string;
  /** The only accepted app-level token (`apps.connections.open`); default `xapp-1-test`. */
  appToken?: string;
  /** How often the Socket Mode server pings each connection; default 10000 ms, at most 30000. */
  socketPingIntervalMs?: number;
  /** The app has a Home tab (its manifest's `features.app_home.home_tab_enabled`); default true. Without it views.publish is `not_enabled`. */
  homeTab?: boolean;
  /** Clock in ms; lets tests expire response URLs without waiting 30 minutes. */
  now?: () => number;
}

/** A running Slack emulator plus inspection and fault-injection helpers for tests. */
export interface SlackEmulator {
  /** Base URL with a trailing slash, e.g. `http://127.0.0.1:40123/`. */
  readonly url: string;
  /** `${url}api/` — pass as `slackApiUrl`. */
  readonly apiUrl: string;
  readonly token: string;
  /** App-level token for Socket Mode (`appToken` of a Bolt app). */
  readonly appToken: string;
  readonly teamId: string;
  readonly teamDomain: string;
  readonly botUserId: string;
  readonly botId: string;
  readonly appId: string;
  /** The bot token's granted scopes. */
  readonly scopes: readonly string[];
  /** Every Web API call, oldest first. */
  readonly calls: readonly RecordedCall[];
  readonly ephemerals: readonly EphemeralMessage[];
  readonly responses: readonly RecordedResponse[];
  /** Files shared with `files.completeUploadExternal`, oldest first, with the bytes that were uploaded. */
  readonly files: readonly UploadedFile[];
  /** Current top-level messages of a channel in posting order (empty for unknown channels). */
  messages(channel: string): StoredMessage[];
  /** A top-level message or thread reply by ts. */
  message(channel: string, ts: string): StoredMessage | undefined;
  /** Replies of the thread rooted at `ts` (empty when none). */
  thread(channel: string, ts: string): StoredMessage[];
  /** Looks up a known user, including the bot user. */
  user(id: string): KnownUser | undefined;
  /** Adds a human-authored message, e.g. to prove `chat.update` refuses it. */
  addUserMessage(channel: string, message: { user: string; text: string; threadTs?: string }): StoredMessage;
  /** Mints a fresh response URL (5 uses within 30 minutes). */
  responseUrl(context?: ResponseUrlContext): string;
  /** Adds or replaces a workspace member (users.info, users.lookupByEmail, conversations.open). */
  addUser(user: KnownUser): void;
  /** Adds a user group or replaces its members. */
  addUsergroup(id: string, userIds: readonly string[]): void;
  /** The DM channel `conversations.open` created for `userId`; read it with {@link messages}. */
  dmChannel(userId: string): string | undefined;
  /** Every view ever opened or pushed, oldest first (closed ones have `open: false`). */
  readonly views: readonly StoredView[];
  /** A view by id. */
  view(id: string): StoredView | undefined;
  /** The user's open modal stack, root first (empty when no modal is shown). */
  openViews(userId: string): StoredView[];
  /** What the user's Home tab shows: the app's last views.publish for them, if any. */
  homeView(userId: string): StoredHome | undefined;
  /** What became of each `view_submission` ack the driver passed back. */
  readonly viewAcks: readonly ViewAckRecord[];
  /** Mints a trigger id for `userId` (single use, 3 s), as Slack puts in commands and interactions. */
  triggerId(userId: string): string;
  /** Applies an app's `view_submission` ack (close, clear, errors, update, push) to the view stack. */
  applyViewAck(viewId: string, payload: Record<string, unknown> | undefined): ViewAckRecord;
  /**
   * Limits `rule.method` per channel per second from now on: further calls get HTTP 429 with
   * `Retry-After` and `ratelimited`. Throws on a limit below 1.
   */
  rateLimit(rule: RateLimitRule): void;
  /** Removes every rate limit. */
  clearRateLimits(): void;
  /** The Socket Mode endpoint: connections, envelopes, delivery. */
  readonly socketMode: SocketModeControl;
  /** Makes the next `count` calls of `method` answer with `reply` instead. */
  failNext(method: string, count: number, reply: FaultReply): void;
  /**
   * Makes the next `count` POSTs to any response URL answer `fault` instead (default 404 `expired_url`): nothing is
   * posted, edited or deleted and no use of the URL is spent, but each is in {@link responses} with its status.
   */
  failNextResponse(count: number, fault?: ResponseFault): void;
  /**
   * Lets the next `count` calls of `method` that reach the method take effect (a message is posted, an edit
   * applied), then destroys the connection instead of answering: the caller sees a network error and cannot
   * tell whether Slack acted. Calls refused earlier (fault, auth, rate limit) do not use one up.
   */
  dropAnswerNext(method: string, count: number): void;
  /**
   * The next `count` calls of `method` wait `ms` before Slack looks at them (a slow Slack). The caller may
   * time out and retry meanwhile; a held call still takes effect when its time comes, as a slow server's would.
   */
  holdNext(method: string, count: number, ms: number): void;
  /**
   * Resolves with the predicate's first truthy result, polling every 20 ms; rejects after `timeoutMs`
   * with `description` and a summary of the emulator state.
   */
  waitFor<T>(
    predicate: (emulator: SlackEmulator) => T | undefined | null | false,
    timeoutMs?: number,
    description?: string,
  ): Promise<T>;
  close(): Promise<void>;
}
