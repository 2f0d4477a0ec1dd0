import type { Requester, UseCaseServices } from '../src/use-cases/use-case-services.js';
import type { ModalRequest } from './modal-request.js';

/** Who typed the command and where: the parts of a slash command request a handler may use. */
export interface CommandInvocation extends Requester {
  /** Slack's `trigger_id`: opens one modal, within 3 s of the command. Absent when not from Slack. */
  triggerId?: string;
  /** How the request came: typed (default) or submitted from the `/deploy` modal; refusals are audited as such. */
  via?: 'command' | 'modal';
  /** Slack's `response_url`: where a worker answers the person later (a dry run's plan). Absent when not from Slack. */
  responseUrl?: string;
}

/** What a handler hands to the use cases it calls. Handlers record and enqueue; they never call a cluster. */
export type CommandServices = UseCaseServices;

/** The reply shown to the person who typed the command; ephemeral unless `inChannel`. */
export interface CommandReply {
  text: string;
  inChannel?: boolean;
  /**
   * A dialog to open with the invocation's trigger: which one and its data; the Slack edge builds its
   * Block Kit and calls `views.open`. The listener acks first and answers `text` only when it cannot be opened.
   */
  modal?: ModalRequest;
}

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
  /**
   * Whether the request only reads (help, a status): a second delivery of it is answered again rather than
   * dropped as already handled, since Slack redelivers when it did not get the first answer. Absent: never.
   */
  onlyReads?(request: Request): boolean;
  handle(request: Request, invocation: CommandInvocation, services: CommandServices): Promise<CommandReply>;
}
