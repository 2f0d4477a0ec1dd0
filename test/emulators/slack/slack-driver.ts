import { randomBytes } from 'node:crypto';
import { findButton, listButtons } from './find-button.js';
import { signSlackRequest } from './sign-slack-request.js';
import type { Block, SlackEmulator } from './slack-types.js';

export { signSlackRequest, type SlackSignatureHeaders } from './sign-slack-request.js';

/** Options of {@link SlackDriver}. */
export interface SlackDriverOptions {
  /** The app's events endpoint, e.g. `http://127.0.0.1:3000/slack/events`. */
  appUrl: string;
  signingSecret: string;
  /** Supplies response URLs and the current message blocks. */
  emulator: SlackEmulator;
  /** Default: the emulator's team id. */
  teamId?: string;
  /** Default: the emulator's app id. */
  appId?: string;
  /** Default `acme`. */
  teamDomain?: string;
  /** Channel names by id for `channel_name`; default `{ C0DEPLOY: 'deploys' }`, else the id lowercased. */
  channelNames?: Record<string, string>;
}

/** Per-request knobs for signature/replay tests. */
export interface SendOptions {
  /** Signing timestamp (unix seconds); default now. */
  timestampSeconds?: number;
  /** Sign with this secret instead (forged request). */
  signingSecret?: string;
  /** Sent as `X-Slack-Retry-Num`. */
  retryNum?: number;
  /** Sent as `X-Slack-Retry-Reason`. */
  retryReason?: string;
}

/** What the app answered. */
export interface DriverResponse {
  status: number;
  body: string;
  /** Parsed body when it is JSON. */
  json?: unknown;
  /** The response URL the request carried (absent for {@link SlackDriver.send}). */
  responseUrl?: string;
  triggerId?: string;
}

/** Input of {@link SlackDriver.slashCommand}. */
export interface SlashCommandInput {
  command?: string;
  text: string;
  userId?: string;
  userName?: string;
  channelId?: string;
}

/** Input of {@link SlackDriver.blockAction}. */
export interface BlockActionInput {
  userId?: string;
  channelId?: string;
  messageTs: string;
  actionId: string;
  blockId: string;
  value?: string;
  /** Overrides the message taken from the emulator. */
  message?: Record<string, unknown>;
}

/** Input of {@link SlackDriver.clickButton}. */
export interface ClickButtonInput {
  userId?: string;
  channelId?: string;
  messageTs: string;
  actionId: string;
  /** Picks among buttons sharing an action_id. */
  value?: string;
}

/** Plays Slack towards an app: signed slash commands and block actions over HTTP. */
export class SlackDriver {
  private readonly teamId: string;
  private readonly appId: string;
  private readonly teamDomain: string;
  private readonly channelNames: Record<string, string>;

  constructor(private readonly options: SlackDriverOptions) {
    this.teamId = options.teamId ?? options.emulator.teamId;
    this.appId = options.appId ?? options.emulator.appId;
    this.teamDomain = options.teamDomain ?? 'acme';
    this.channelNames = options.channelNames ?? { C0DEPLOY: 'deploys' };
  }

  /** Sends a slash command with every field Slack sends (protocols A3). */
  async slashCommand(input: SlashCommandInput, send: SendOptions = {}): Promise<DriverResponse> {
    const userId = input.userId ?? 'U0ALICE';
    const channelId = input.channelId ?? 'C0DEPLOY';
    const responseUrl = this.options.emulator.responseUrl({ channelId, userId });
    const triggerId = newTriggerId();
    const form = new URLSearchParams({
      token: 'legacy',
      team_id: this.teamId,
      team_domain: this.teamDomain,
      channel_id: channelId,
      channel_name: this.channelName(channelId),
      user_id: userId,
      user_name: input.userName ?? this.userName(userId),
      command: input.command ?? '/deploy',
      text: input.text,
      api_app_id: this.appId,
      is_enterprise_install: 'false',
      response_url: responseUrl,
      trigger_id: triggerId,
    });
    return { ...(await this.signedPost(form.toString(), send)), responseUrl, triggerId };
  }

  /** Sends a `block_actions` payload shaped as protocols A4, using the emulator's current message. */
  async blockAction(input: BlockActionInput, send: SendOptions = {}): Promise<DriverResponse> {
    const emulator = this.options.emulator;
    const userId = input.userId ?? 'U0ALICE';
    const channelId = input.channelId ?? 'C0DEPLOY';
    const stored = emulator.message(channelId, input.messageTs);
    const ephemeral = emulator.ephemerals.find((e) => e.channel === channelId && e.ts === input.messageTs);
    const isEphemeral = stored === undefined && ephemeral !== undefined;
    const blocks: readonly Block[] = stored?.blocks ?? ephemeral?.blocks ?? [];
    const element = listButtons(blocks).find((b) => b.actionId === input.actionId && b.blockId === input.blockId)?.element;
    const responseUrl = emulator.responseUrl({ channelId, userId, messageTs: input.messageTs });
    const triggerId = newTriggerId();
    const message =
      input.message ??
      (stored
        ? {
            type: 'message',
            user: stored.user,
            ...(stored.botId ? { bot_id: stored.botId, app_id: emulator.appId } : {}),
            text: stored.text,
            blocks: structuredClone(stored.blocks),
            ts: stored.ts,
            team: this.teamId,
            ...(stored.threadTs ? { thread_ts: stored.threadTs } : {}),
          }
        : undefined);
    const payload = {
      type: 'block_actions',
      user: { id: userId, username: this.userName(userId), name: this.userName(userId), team_id: this.teamId },
      api_app_id: this.appId,
      token: 'legacy',
      trigger_id: triggerId,
      team: { id: this.teamId, domain: this.teamDomain },
      enterprise: null,
      is_enterprise_install: false,
      container: {
        type: 'message',
        message_ts: input.messageTs,
        channel_id: channelId,
        is_ephemeral: isEphemeral,
      },
      channel: { id: channelId, name: this.channelName(channelId) },
      // Slack omits `message` for ephemeral messages: the app never sees their content back.
      ...(message && !isEphemeral ? { message } : {}),
      state: { values: {} },
      response_url: responseUrl,
      actions: [
        {
          type: typeof element?.type === 'string' ? element.type : 'button',
          action_id: input.actionId,
          block_id: input.blockId,
          ...(input.value !== undefined ? { value: input.value } : {}),
          text: element?.text ?? { type: 'plain_text', text: input.actionId, emoji: true },
          ...(element?.style !== undefined ? { style: element.style } : {}),
          action_ts: actionTs(),
        },
      ],
    };
    const body = new URLSearchParams({ payload: JSON.stringify(payload) }).toString();
    return { ...(await this.signedPost(body, send)), responseUrl, triggerId };
  }

  /**
   * Clicks a button of a message the emulator holds (channel message or ephemeral), sending its real
   * block_id and value. Throws listing the available buttons when there is no match.
   */
  async clickButton(input: ClickButtonInput, send: SendOptions = {}): Promise<DriverResponse> {
    const emulator = this.options.emulator;
    const channelId = input.channelId ?? 'C0DEPLOY';
    const blocks =
      emulator.message(channelId, input.messageTs)?.blocks ??
      emulator.ephemerals.find((e) => e.channel === channelId && e.ts === input.messageTs)?.blocks;
    if (!blocks) throw new Error(`clickButton: no message ${input.messageTs} in ${channelId}`);
    const button = findButton(blocks, input.actionId, input.value);
    return this.blockAction(
      {
        ...(input.userId ? { userId: input.userId } : {}),
        channelId,
        messageTs: input.messageTs,
        actionId: button.actionId,
        blockId: button.blockId,
        ...(button.value !== undefined ? { value: button.value } : {}),
      },
      send,
    );
  }

  /** Posts `rawBody` with exactly `headers` (nothing added): for forged, unsigned or malformed requests. */
  async send(rawBody: string, headers: Record<string, string>): Promise<DriverResponse> {
    const res = await fetch(this.options.appUrl, { method: 'POST', headers, body: rawBody });
    const body = await res.text();
    return { status: res.status, body, ...parseJson(body) };
  }

  private signedPost(body: string, opts: SendOptions): Promise<DriverResponse> {
    const headers: Record<string, string> = {
      'content-type': 'application/x-www-form-urlencoded',
      ...signSlackRequest(opts.signingSecret ?? this.options.signingSecret, body, opts.timestampSeconds),
    };
    if (opts.retryNum !== undefined) headers['x-slack-retry-num'] = String(opts.retryNum);
    if (opts.retryReason !== undefined) headers['x-slack-retry-reason'] = opts.retryReason;
    return this.send(body, headers);
  }

  private userName(userId: string): string {
    return this.options.emulator.user(userId)?.name ?? userId.toLowerCase();
  }

  private channelName(channelId: string): string {
    return this.channelNames[channelId] ?? channelId.toLowerCase();
  }
}

function parseJson(body: string): { json?: unknown } {
  if (body === '') return {};
  try {
    return { json: JSON.parse(body) as unknown };
  } catch {
    return {};
  }
}

function newTriggerId(): string {
  return `${Date.now()}.${Math.floor(Math.random() * 1e9)}.${randomBytes(16).toString('hex')}`;
}

function actionTs(): string {
  const micros = Date.now() * 1000 + Math.floor(Math.random() * 1000);
  return `${Math.floor(micros / 1e6)}.${String(micros % 1e6).padStart(6, '0')}`;
}
