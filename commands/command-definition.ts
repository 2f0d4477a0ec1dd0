import type { ModalView } from '@slack/types';
import type { RoleResolver } from '../src/auth/role-resolver.js';
import type { Config } from '../src/config/load-config.js';
import type { RunEngine } from '../src/queue/run-engine.js';
import type { RunStore } from '../src/run/store/run-store.js';

/** Who typed the command and where: the parts of a slash command request a handler may use. */
export interface CommandInvocation {
  userId: string;
  channelId: string;
  /** Slack's `trigger_id`: opens one modal, within 3 s of the command. Absent when not from Slack. */
  triggerId?: string;
}

/** What a handler needs from the engine. Handlers record and enqueue; they never call a cluster. */
export interface CommandServices {
  config: Config;
  store: RunStore;
  engine: RunEngine;
  /** Which catalog roles a Slack user holds (user groups resolved and cached). */
  roles: RoleResolver;
  now: () => number;
}

/** The reply shown to the person who typed the command; ephemeral unless `inChannel`. */
export interface CommandReply {
  text: string;
  inChannel?: boolean;
  /**
   * A modal to open with the invocation's trigger (`views.open`). The listener acks first and answers
   * `text` only when the modal cannot be opened.
   */
  modal?: ModalView;
}

/** A Block Kit modal as `views.open` takes it (the type only: commands never import the Slack transport). */
export type { ModalView };

/**
 * One slash command. `parse` is pure (text in, request or a coded `usage` error out) so it can be
 * tested with tables; `handle` runs inside the 3-second ack window and must only read and write Redis.
 */
export interface CommandDefinition<Request> {
  name: string;
  /** One line per form, shown by `help` and in every usage error. */
  usage: readonly string[];
  description: string;
  /** Shown by Slack next to the command while typing (the manifest's `usage_hint`, at most 1000 characters). */
  usageHint?: string;
  parse(text: string): Request;
  handle(request: Request, invocation: CommandInvocation, services: CommandServices): Promise<CommandReply>;
}
