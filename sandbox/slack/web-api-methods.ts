import { directoryMethods } from './directory-methods.js';
import { fileMethods } from './file-methods.js';
import { historyMethods } from './history-methods.js';
import { err, str, type Handler, type MethodReply } from './method-context.js';
import type { Block, MessageMetadata } from './slack-types.js';
import { parseBlocks } from './validate-blocks.js';
import { viewMethods } from './view-methods.js';
import { wireMessage } from './wire-message.js';

const MAX_UPDATE_TEXT = 4000;

/** The Web API methods the emulator implements, by Slack method name. */
export const webApiMethods: Readonly<Record<string, Handler>> = {
  ...directoryMethods,
  ...viewMethods,
  ...historyMethods,
  ...fileMethods,

  'auth.test': (ctx) => ({
    ok: true,
    url: ctx.baseUrl,
    team: ctx.teamDomain,
    user: ctx.directory.users.get(ctx.botUserId)?.name ?? 'flightdeck',
    team_id: ctx.teamId,
    user_id: ctx.botUserId,
    bot_id: ctx.botId,
    is_enterprise_install: false,
  }),

  'chat.postMessage': (ctx, args) => {
    const channel = str(args.channel);
    if (!channel) return err('channel_not_found');
    const content = readContent(args);
    if ('error' in content) return content.error;
    const metadata = readMetadata(args);
    if (metadata === 'invalid') return err('invalid_metadata_format');
    if (!ctx.store.hasChannel(channel)) return err('channel_not_found');
    if (!ctx.isMember(channel)) return err('not_in_channel');
    const threadTs = str(args.thread_ts);
    const posted = ctx.store.post(channel, {
      text: content.text ?? '',
      blocks: content.blocks ?? [],
      user: ctx.botUserId,
      botId: ctx.botId,
      ...(threadTs ? { threadTs } : {}),
      ...(metadata ? { metadata } : {}),
    });
    // Emulator choice: an unknown thread parent is an error rather than an invisible orphan reply.
    if (!posted) return err('thread_not_found');
    return { ok: true, channel, ts: posted.ts, message: wireMessage(ctx, posted) };
  },

  'chat.update': (ctx, args) => {
    const channel = str(args.channel);
    const ts = str(args.ts);
    if (!channel || !ctx.store.hasChannel(channel)) return err('channel_not_found');
    const content = readContent(args);
    if ('error' in content) return content.error;
    if (content.text !== undefined && content.text.length > MAX_UPDATE_TEXT) return err('msg_too_long');
    const metadata = readMetadata(args);
    if (metadata === 'invalid') return err('invalid_metadata_format');
    const message = ts ? ctx.store.find(channel, ts) : undefined;
    if (!message) return err('message_not_found');
    if (message.botId !== ctx.botId) return err('cant_update_message');
    ctx.store.edit(message, { ...content, ...(metadata ? { metadata } : {}) });
    return { ok: true, channel, ts: message.ts, text: message.text, message: wireMessage(ctx, message) };
  },

  'chat.postEphemeral': (ctx, args) => {
    const channel = str(args.channel);
    const user = str(args.user);
    if (!channel || !ctx.store.hasChannel(channel)) return err('channel_not_found');
    if (!ctx.isMember(channel)) return err('not_in_channel');
    if (!user || !ctx.directory.users.has(user)) return err('user_not_in_channel');
    const content = readContent(args);
    if ('error' in content) return content.error;
    const threadTs = str(args.thread_ts);
    const posted = ctx.store.postEphemeral({
      channel,
      user,
      text: content.text ?? '',
      blocks: content.blocks ?? [],
      ...(threadTs ? { threadTs } : {}),
      via: 'api',
    });
    return { ok: true, message_ts: posted.ts };
  },

  'chat.getPermalink': (ctx, args) => {
    const channel = str(args.channel);
    const ts = str(args.message_ts);
    if (!channel || !ctx.store.hasChannel(channel)) return err('channel_not_found');
    const message = ts ? ctx.store.find(channel, ts) : undefined;
    if (!message) return err('message_not_found');
    const base = `https://${ctx.teamDomain}.slack.com/archives/${channel}/p${message.ts.replace('.', '')}`;
    const permalink = message.threadTs ? `${base}?thread_ts=${message.threadTs}&cid=${channel}` : base;
    return { ok: true, channel, permalink };
  },

  // Token kind (app-level `xapp-`) is checked by the emulator before any handler runs.
  'apps.connections.open': (ctx) => ({ ok: true, url: ctx.openSocketUrl() }),
};

// Shared text/blocks rules of postMessage, update and postEphemeral.
function readContent(args: Record<string, unknown>): { text?: string; blocks?: Block[] } | { error: MethodReply } {
  const parsed = parseBlocks(args.blocks);
  if (!parsed.ok) return { error: err(parsed.error, { response_metadata: { messages: parsed.messages } }) };
  const text = str(args.text);
  const hasBlocks = parsed.blocks !== undefined && parsed.blocks.length > 0;
  if (!text && !hasBlocks) return { error: err('no_text') };
  return { ...(text !== undefined ? { text } : {}), ...(parsed.blocks ? { blocks: parsed.blocks } : {}) };
}

/**
 * `metadata` as sent: a JSON string in form bodies (how @slack/web-api sends objects), an object in JSON
 * bodies. It needs a string `event_type` and an object `event_payload`. Emulator choice: every malformed
 * shape answers `invalid_metadata_format`.
 */
function readMetadata(args: Record<string, unknown>): MessageMetadata | undefined | 'invalid' {
  let value = args.metadata;
  if (value === undefined || value === '') return undefined;
  if (typeof value === 'string') {
    try {
      value = JSON.parse(value) as unknown;
    } catch {
      return 'invalid';
    }
  }
  const candidate = value as { event_type?: unknown; event_payload?: unknown } | null;
  if (typeof candidate !== 'object' || candidate === null || typeof candidate.event_type !== 'string' || candidate.event_type === '') return 'invalid';
  const payload = candidate.event_payload;
  if (typeof payload !== 'object' || payload === null || Array.isArray(payload)) return 'invalid';
  return { event_type: candidate.event_type, event_payload: payload as Record<string, unknown> };
}
