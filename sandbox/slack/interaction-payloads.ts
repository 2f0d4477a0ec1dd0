import { listButtons } from './find-button.js';
import type { Block, SlackEmulator } from './slack-types.js';
import { wireView, type StoredView } from './view-store.js';
import { buildStateValues, type ViewValuesInput } from './view-state.js';

/** Input of `SlackDriver.slashCommand`. */
export interface SlashCommandInput {
  command?: string;
  text: string;
  userId?: string;
  userName?: string;
  channelId?: string;
  /** An earlier delivery's trigger and response URL: the same command delivered again, as Slack retries one. */
  redelivers?: { triggerId: string; responseUrl: string };
}

/** Input of `SlackDriver.blockAction`: an element in a message (`messageTs`) or in a modal (`viewId`). */
export interface BlockActionInput {
  userId?: string;
  channelId?: string;
  messageTs?: string;
  /** A view the emulator holds: the payload gets `container.type: 'view'` and the view with its state. */
  viewId?: string;
  actionId: string;
  blockId: string;
  value?: string;
  /** Overrides the message taken from the emulator. */
  message?: Record<string, unknown>;
  /** What the user has typed into the modal's inputs so far (`view.state.values`). */
  values?: ViewValuesInput;
}

/** Input of `SlackDriver.clickButton`: a button in a message (`messageTs`) or a modal (`viewId`). */
export interface ClickButtonInput {
  userId?: string;
  channelId?: string;
  messageTs?: string;
  viewId?: string;
  actionId: string;
  /** Picks among buttons sharing an action_id. */
  value?: string;
  /** Modal clicks: current input values. */
  values?: ViewValuesInput;
}

/**
 * Input of `SlackDriver.viewSubmission`. The view is `viewId`, else the user's top open modal, else
 * (with `callbackId`) one made up for the test; `callbackId`/`privateMetadata` override the view's.
 */
export interface ViewSubmissionInput {
  userId?: string;
  viewId?: string;
  callbackId?: string;
  privateMetadata?: string;
  values?: ViewValuesInput;
}

/** Who Slack says it is in every payload, and how to name users and channels. */
export interface PayloadContext {
  emulator: SlackEmulator;
  teamId: string;
  appId: string;
  teamDomain: string;
  userName(userId: string): string;
  channelName(channelId: string): string;
}

/** A payload ready to send, with what a test may want to follow up on. */
export interface BuiltPayload<T> {
  payload: T;
  triggerId: string;
  responseUrl?: string;
  /** The emulator's view the payload is about (view actions and submissions). */
  view?: StoredView;
}

/** Every slash command field Slack sends (protocols A3), as strings. */
export function slashCommandFields(ctx: PayloadContext, input: SlashCommandInput): BuiltPayload<Record<string, string>> {
  const userId = input.userId ?? 'U0ALICE';
  const channelId = input.channelId ?? 'C0DEPLOY';
  const responseUrl = input.redelivers?.responseUrl ?? ctx.emulator.responseUrl({ channelId, userId });
  const triggerId = input.redelivers?.triggerId ?? ctx.emulator.triggerId(userId);
  const payload = {
    token: 'legacy',
    team_id: ctx.teamId,
    team_domain: ctx.teamDomain,
    channel_id: channelId,
    channel_name: ctx.channelName(channelId),
    user_id: userId,
    user_name: input.userName ?? ctx.userName(userId),
    command: input.command ?? '/deploy',
    text: input.text,
    api_app_id: ctx.appId,
    is_enterprise_install: 'false',
    response_url: responseUrl,
    trigger_id: triggerId,
  };
  return { payload, responseUrl, triggerId };
}

/** A `block_actions` payload shaped as protocols A4, from the emulator's current message or view. */
export function blockActionPayload(ctx: PayloadContext, input: BlockActionInput): BuiltPayload<Record<string, unknown>> {
  if ((input.messageTs === undefined) === (input.viewId === undefined)) {
    throw new Error('blockAction: give exactly one of messageTs or viewId');
  }
  const userId = input.userId ?? 'U0ALICE';
  const triggerId = ctx.emulator.triggerId(userId);
  const common = {
    type: 'block_actions',
    user: { id: userId, username: ctx.userName(userId), name: ctx.userName(userId), team_id: ctx.teamId },
    api_app_id: ctx.appId,
    token: 'legacy',
    trigger_id: triggerId,
    team: { id: ctx.teamId, domain: ctx.teamDomain },
    enterprise: null,
    is_enterprise_install: false,
  };
  if (input.viewId !== undefined) {
    const view = openView(ctx.emulator, input.viewId, 'blockAction');
    const payload = {
      ...common,
      container: { type: 'view', view_id: view.id },
      view: viewJson(ctx, view, buildStateValues(view.blocks, input.values)),
      actions: [action(input, view.blocks)],
    };
    return { payload, triggerId, view };
  }
  const messageTs = input.messageTs ?? '';
  const channelId = input.channelId ?? 'C0DEPLOY';
  const stored = ctx.emulator.message(channelId, messageTs);
  const ephemeral = ctx.emulator.ephemerals.find((e) => e.channel === channelId && e.ts === messageTs);
  const isEphemeral = stored === undefined && ephemeral !== undefined;
  const responseUrl = ctx.emulator.responseUrl({ channelId, userId, messageTs });
  const message =
    input.message ??
    (stored
      ? {
          type: 'message',
          user: stored.user,
          ...(stored.botId ? { bot_id: stored.botId, app_id: ctx.emulator.appId } : {}),
          text: stored.text,
          blocks: structuredClone(stored.blocks),
          ts: stored.ts,
          team: ctx.teamId,
          ...(stored.threadTs ? { thread_ts: stored.threadTs } : {}),
        }
      : undefined);
  const payload = {
    ...common,
    container: { type: 'message', message_ts: messageTs, channel_id: channelId, is_ephemeral: isEphemeral },
    channel: { id: channelId, name: ctx.channelName(channelId) },
    // Slack omits `message` for ephemeral messages: the app never sees their content back.
    ...(message && !isEphemeral ? { message } : {}),
    state: { values: {} },
    response_url: responseUrl,
    actions: [action(input, stored?.blocks ?? ephemeral?.blocks ?? [])],
  };
  return { payload, responseUrl, triggerId };
}

/** A `view_submission` payload shaped as protocols A4, with `view.state.values` built from `values`. */
export function viewSubmissionPayload(ctx: PayloadContext, input: ViewSubmissionInput): BuiltPayload<Record<string, unknown>> {
  const userId = input.userId ?? 'U0ALICE';
  const view = resolveView(ctx.emulator, userId, input);
  const triggerId = ctx.emulator.triggerId(userId);
  const json = view
    ? viewJson(ctx, view, buildStateValues(view.blocks, input.values))
    : madeUpView(ctx, input);
  if (input.callbackId !== undefined) json.callback_id = input.callbackId;
  if (input.privateMetadata !== undefined) json.private_metadata = input.privateMetadata;
  const payload = {
    type: 'view_submission',
    team: { id: ctx.teamId, domain: ctx.teamDomain },
    user: { id: userId, username: ctx.userName(userId), name: ctx.userName(userId), team_id: ctx.teamId },
    api_app_id: ctx.appId,
    token: 'legacy',
    trigger_id: triggerId,
    view: json,
    response_urls: [],
    enterprise: null,
    is_enterprise_install: false,
  };
  return { payload, triggerId, ...(view ? { view } : {}) };
}

/** The blocks holding the clickable elements of a message or view, for `clickButton`. */
export function targetBlocks(emulator: SlackEmulator, input: ClickButtonInput): readonly Block[] {
  if (input.viewId !== undefined) return openView(emulator, input.viewId, 'clickButton').blocks;
  const channelId = input.channelId ?? 'C0DEPLOY';
  const ts = input.messageTs ?? '';
  const blocks =
    emulator.message(channelId, ts)?.blocks ?? emulator.ephemerals.find((e) => e.channel === channelId && e.ts === ts)?.blocks;
  if (!blocks) throw new Error(`clickButton: no message ${ts} in ${channelId}`);
  return blocks;
}

function resolveView(emulator: SlackEmulator, userId: string, input: ViewSubmissionInput): StoredView | undefined {
  if (input.viewId !== undefined) return openView(emulator, input.viewId, 'viewSubmission');
  const top = emulator.openViews(userId).at(-1);
  if (top && (input.callbackId === undefined || top.callbackId === input.callbackId)) return top;
  if (input.callbackId === undefined) throw new Error(`viewSubmission: ${userId} has no open modal; give viewId or callbackId`);
  return undefined;
}

function openView(emulator: SlackEmulator, viewId: string, caller: string): StoredView {
  const view = emulator.view(viewId);
  if (!view) throw new Error(`${caller}: no view ${viewId} in the emulator`);
  if (!view.open) throw new Error(`${caller}: view ${viewId} is closed; a user cannot act on it`);
  return view;
}

function viewJson(ctx: PayloadContext, view: StoredView, values: Record<string, unknown>): Record<string, unknown> {
  return wireView(view, { teamId: ctx.teamId, appId: ctx.emulator.appId, botId: ctx.emulator.botId }, values);
}

// For apps under test that never opened the modal themselves (e.g. a submission replayed by a test).
function madeUpView(ctx: PayloadContext, input: ViewSubmissionInput): Record<string, unknown> {
  const id = 'V0TESTVIEW';
  return {
    id,
    team_id: ctx.teamId,
    type: 'modal',
    blocks: [],
    private_metadata: '',
    callback_id: '',
    state: { values: buildStateValues([], input.values, false) },
    hash: `${Math.floor(Date.now() / 1000)}.test`,
    title: { type: 'plain_text', text: 'Test' },
    previous_view_id: null,
    root_view_id: id,
    app_id: ctx.emulator.appId,
    bot_id: ctx.emulator.botId,
  };
}

function action(input: BlockActionInput, blocks: readonly Block[]): Record<string, unknown> {
  const element = listButtons(blocks).find((b) => b.actionId === input.actionId && b.blockId === input.blockId)?.element;
  return {
    type: typeof element?.type === 'string' ? element.type : 'button',
    action_id: input.actionId,
    block_id: input.blockId,
    ...(input.value !== undefined ? { value: input.value } : {}),
    text: element?.text ?? { type: 'plain_text', text: input.actionId, emoji: true },
    ...(element?.style !== undefined ? { style: element.style } : {}),
    action_ts: actionTs(),
  };
}

function actionTs(): string {
  const micros = Date.now() * 1000 + Math.floor(Math.random() * 1000);
  return `${Math.floor(micros / 1e6)}.${String(micros % 1e6).padStart(6, '0')}`;
}
