import { findButton } from './find-button.js';
import {
  blockActionPayload,
  slashCommandFields,
  targetBlocks,
  viewSubmissionPayload,
  type BlockActionInput,
  type BuiltPayload,
  type ClickButtonInput,
  type PayloadContext,
  type SlashCommandInput,
  type ViewSubmissionInput,
} from './interaction-payloads.js';
import { signSlackRequest } from './sign-slack-request.js';
import type { SocketEnvelopeType } from './socket-mode-server.js';
import type { SlackEmulator } from './slack-types.js';
import { isObject } from './validate-blocks.js';
import type { ViewAckRecord } from './view-store.js';

export { signSlackRequest, type SlackSignatureHeaders } from './sign-slack-request.js';
export type { BlockActionInput, ClickButtonInput, SlashCommandInput, ViewSubmissionInput } from './interaction-payloads.js';

/** Options of {@link SlackDriver}. */
export interface SlackDriverOptions {
  /**
   * `http` (default): signed POSTs to `appUrl`. `socket`: envelopes over the app's Socket Mode
   * connection to the emulator (the app must have called `apps.connections.open`).
   */
  mode?: 'http' | 'socket';
  /** HTTP mode (required there): the app's events endpoint, e.g. `http://127.0.0.1:3000/slack/events`. */
  appUrl?: string;
  /** HTTP mode (required there). */
  signingSecret?: string;
  /** Supplies response URLs, trigger ids, current messages and views, and the Socket Mode endpoint. */
  emulator: SlackEmulator;
  /** Socket mode: how long to wait for the app's ack; default 3000 ms (Slack's deadline). */
  ackTimeoutMs?: number;
  /** Default: the emulator's team id. */
  teamId?: string;
  /** Default: the emulator's app id. */
  appId?: string;
  /** Default: the emulator's team domain. */
  teamDomain?: string;
  /** Channel names by id for `channel_name`; default `{ C0DEPLOY: 'deploys' }`, else the id lowercased. */
  channelNames?: Record<string, string>;
}

/** Per-request knobs. Signing options are HTTP-only; retry options map to Socket Mode `retry_attempt`/`retry_reason`. */
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

/** What the app answered: the HTTP response, or in Socket Mode status 200 with the ack payload. */
export interface DriverResponse {
  status: number;
  /** Raw body; in Socket Mode the ack payload as JSON, `''` for an empty ack. */
  body: string;
  /** Parsed body when it is JSON (absent for an empty ack in both modes). */
  json?: unknown;
  /** The response URL the request carried (absent for {@link SlackDriver.send} and view payloads). */
  responseUrl?: string;
  triggerId?: string;
  /** Socket Mode: the envelope id the ack answered. */
  envelopeId?: string;
  /** View submissions of an emulator-held view: what the emulator did with the ack. */
  viewAck?: ViewAckRecord;
}

/** Plays Slack towards an app: slash commands, block actions and view submissions, over HTTP or Socket Mode. */
export class SlackDriver {
  private readonly mode: 'http' | 'socket';
  private readonly ctx: PayloadContext;
  private readonly channelNames: Record<string, string>;

  /** Throws when HTTP mode lacks `appUrl` or `signingSecret`. */
  constructor(private readonly options: SlackDriverOptions) {
    this.mode = options.mode ?? 'http';
    if (this.mode === 'http' && (!options.appUrl || !options.signingSecret)) {
      throw new Error('SlackDriver: mode http needs appUrl and signingSecret');
    }
    this.channelNames = options.channelNames ?? { C0DEPLOY: 'deploys' };
    const emulator = options.emulator;
    this.ctx = {
      emulator,
      teamId: options.teamId ?? emulator.teamId,
      appId: options.appId ?? emulator.appId,
      teamDomain: options.teamDomain ?? emulator.teamDomain,
      userName: (id) => emulator.user(id)?.name ?? id.toLowerCase(),
      channelName: (id) => this.channelNames[id] ?? id.toLowerCase(),
    };
  }

  /** Sends a slash command with every field Slack sends (protocols A3). */
  async slashCommand(input: SlashCommandInput, send: SendOptions = {}): Promise<DriverResponse> {
    const built = slashCommandFields(this.ctx, input);
    const res =
      this.mode === 'socket'
        ? await this.deliver('slash_commands', built.payload, send)
        : await this.signedPost(new URLSearchParams(built.payload).toString(), send);
    return { ...res, ...followUps(built) };
  }

  /** Sends a `block_actions` payload (protocols A4) for an element of a message or, with `viewId`, a modal. */
  async blockAction(input: BlockActionInput, send: SendOptions = {}): Promise<DriverResponse> {
    const built = blockActionPayload(this.ctx, input);
    return { ...(await this.interactive(built.payload, send, false)), ...followUps(built) };
  }

  /**
   * Clicks a button of a message the emulator holds (channel message or ephemeral) or, with `viewId`,
   * of an open modal, sending its real block_id and value. Throws listing the available buttons when
   * there is no match.
   */
  async clickButton(input: ClickButtonInput, send: SendOptions = {}): Promise<DriverResponse> {
    const button = findButton(targetBlocks(this.options.emulator, input), input.actionId, input.value);
    return this.blockAction(
      {
        ...(input.userId ? { userId: input.userId } : {}),
        ...(input.viewId !== undefined
          ? { viewId: input.viewId, ...(input.values ? { values: input.values } : {}) }
          : { channelId: input.channelId ?? 'C0DEPLOY', messageTs: input.messageTs ?? '' }),
        actionId: button.actionId,
        blockId: button.blockId,
        ...(button.value !== undefined ? { value: button.value } : {}),
      },
      send,
    );
  }

  /**
   * Submits a modal (`view_submission`, protocols A4). For a view the emulator holds, the ack is then
   * applied to its view stack (close, clear, errors, update, push) and reported as `viewAck`.
   * Throws when the view is unknown or closed, or `values` names an input or option the view lacks.
   */
  async viewSubmission(input: ViewSubmissionInput, send: SendOptions = {}): Promise<DriverResponse> {
    const built = viewSubmissionPayload(this.ctx, input);
    const res = await this.interactive(built.payload, send, true);
    if (!built.view || res.status !== 200) return { ...res, triggerId: built.triggerId };
    const ack = isObject(res.json) ? res.json : undefined;
    return { ...res, triggerId: built.triggerId, viewAck: this.options.emulator.applyViewAck(built.view.id, ack) };
  }

  /**
   * The user opens the app's Home tab: an `app_home_opened` event callback (Events API), signed JSON over HTTP
   * or an `events_api` envelope in Socket Mode. `view` is the Home tab's current view when the app published one.
   */
  async appHomeOpened(userId: string, send: SendOptions = {}): Promise<DriverResponse> {
    const emulator = this.options.emulator;
    const home = emulator.homeView(userId);
    const eventTs = (Date.now() / 1000).toFixed(6);
    const payload: Record<string, unknown> = {
      token: 'verification-token-unused',
      team_id: this.ctx.teamId,
      api_app_id: this.ctx.appId,
      event: {
        type: 'app_home_opened',
        user: userId,
        channel: emulator.dmChannel(userId) ?? `D0${userId.slice(2)}`,
        tab: 'home',
        event_ts: eventTs,
        ...(home ? { view: { id: home.id, team_id: this.ctx.teamId, type: 'home', hash: home.hash, blocks: home.blocks } } : {}),
      },
      type: 'event_callback',
      event_id: `Ev${Math.random().toString(36).slice(2, 12).toUpperCase()}`,
      event_time: Math.floor(Date.now() / 1000),
      authorizations: [{ enterprise_id: null, team_id: this.ctx.teamId, user_id: emulator.botUserId, is_bot: true, is_enterprise_install: false }],
      is_ext_shared_channel: false,
    };
    if (this.mode === 'socket') return this.deliver('events_api', payload, send, false);
    const body = JSON.stringify(payload);
    const headers: Record<string, string> = { 'content-type': 'application/json', ...signSlackRequest(send.signingSecret ?? this.options.signingSecret ?? '', body, send.timestampSeconds) };
    return this.send(body, headers);
  }

  /** HTTP mode: posts `rawBody` with exactly `headers` (nothing added), for forged or malformed requests. */
  async send(rawBody: string, headers: Record<string, string>): Promise<DriverResponse> {
    if (this.mode === 'socket' || !this.options.appUrl) throw new Error('SlackDriver.send is HTTP-only');
    const res = await fetch(this.options.appUrl, { method: 'POST', headers, body: rawBody });
    const body = await res.text();
    return { status: res.status, body, ...parseJson(body) };
  }

  private interactive(payload: Record<string, unknown>, send: SendOptions, acceptsResponse: boolean): Promise<DriverResponse> {
    if (this.mode === 'socket') return this.deliver('interactive', payload, send, acceptsResponse);
    return this.signedPost(new URLSearchParams({ payload: JSON.stringify(payload) }).toString(), send);
  }

  private async deliver(
    type: SocketEnvelopeType,
    payload: Record<string, unknown>,
    send: SendOptions,
    acceptsResponsePayload = true,
  ): Promise<DriverResponse> {
    if (send.signingSecret !== undefined || send.timestampSeconds !== undefined) {
      throw new Error('SlackDriver: signing options have no meaning in Socket Mode');
    }
    const ack = await this.options.emulator.socketMode.deliver(type, payload, {
      acceptsResponsePayload,
      ...(this.options.ackTimeoutMs !== undefined ? { timeoutMs: this.options.ackTimeoutMs } : {}),
      ...(send.retryNum !== undefined ? { retryAttempt: send.retryNum } : {}),
      ...(send.retryReason !== undefined ? { retryReason: send.retryReason } : {}),
    });
    const empty = Object.keys(ack.payload).length === 0;
    return {
      status: 200,
      body: empty ? '' : JSON.stringify(ack.payload),
      ...(empty ? {} : { json: ack.payload }),
      envelopeId: ack.envelopeId,
    };
  }

  private signedPost(body: string, opts: SendOptions): Promise<DriverResponse> {
    const headers: Record<string, string> = {
      'content-type': 'application/x-www-form-urlencoded',
      ...signSlackRequest(opts.signingSecret ?? this.options.signingSecret ?? '', body, opts.timestampSeconds),
    };
    if (opts.retryNum !== undefined) headers['x-slack-retry-num'] = String(opts.retryNum);
    if (opts.retryReason !== undefined) headers['x-slack-retry-reason'] = opts.retryReason;
    return this.send(body, headers);
  }
}

function followUps(built: BuiltPayload<unknown>): Pick<DriverResponse, 'responseUrl' | 'triggerId'> {
  return { triggerId: built.triggerId, ...(built.responseUrl ? { responseUrl: built.responseUrl } : {}) };
}

function parseJson(body: string): { json?: unknown } {
  if (body === '') return {};
  try {
    return { json: JSON.parse(body) as unknown };
  } catch {
    return {};
  }
}
