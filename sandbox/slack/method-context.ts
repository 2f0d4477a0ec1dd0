import type { Directory } from './directory.js';
import type { FileStore } from './file-store.js';
import type { HomeTabs } from './home-tabs.js';
import type { MessageStore } from './message-store.js';
import type { ViewStore } from './view-store.js';

/** What every Web API handler can see. */
export interface MethodContext {
  store: MessageStore;
  views: ViewStore;
  homes: HomeTabs;
  /** The app's manifest enables the Home tab (`features.app_home.home_tab_enabled`); views.publish is `not_enabled` otherwise. */
  homeTabEnabled: boolean;
  directory: Directory;
  files: FileStore;
  /** Whether the bot is a member of this known channel (see SlackEmulatorOptions.botAbsentFrom). */
  isMember: (channel: string) => boolean;
  /** The emulator's clock, ms. */
  now: () => number;
  baseUrl: string;
  teamId: string;
  teamDomain: string;
  botUserId: string;
  botId: string;
  appId: string;
  /** Mints a single-use Socket Mode WebSocket URL. */
  openSocketUrl: () => string;
}

/** A JSON body to answer with HTTP 200 (`ok` is always set). */
export type MethodReply = Record<string, unknown> & { ok: boolean };

/** One Web API method: arguments in, Slack JSON out. */
export type Handler = (ctx: MethodContext, args: Record<string, unknown>) => MethodReply;

/** `{ ok: false, error }` with optional extras such as `response_metadata`. */
export function err(error: string, extra: Record<string, unknown> = {}): MethodReply {
  return { ok: false, error, ...extra };
}

/** `invalid_arguments` with Slack's `[ERROR]` lines in `response_metadata.messages`. */
export function invalidArguments(messages: string[]): MethodReply {
  return err('invalid_arguments', { response_metadata: { messages } });
}

/** A form or JSON argument as a string (numbers as text); undefined otherwise. */
export function str(value: unknown): string | undefined {
  if (typeof value === 'string') return value;
  if (typeof value === 'number') return String(value);
  return undefined;
}
