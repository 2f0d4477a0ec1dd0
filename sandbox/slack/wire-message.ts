import type { MethodContext } from './method-context.js';
import type { StoredMessage } from './slack-types.js';

/**
 * A stored message as Slack puts it on the wire. Metadata only when asked: Slack returns it from history
 * only with `include_all_metadata`.
 */
export function wireMessage(ctx: MethodContext, m: StoredMessage, options: { metadata?: boolean } = {}): Record<string, unknown> {
  return {
    type: 'message',
    text: m.text,
    user: m.user,
    ...(m.botId ? { bot_id: m.botId, app_id: ctx.appId } : {}),
    ts: m.ts,
    team: ctx.teamId,
    ...(m.blocks.length > 0 ? { blocks: m.blocks } : {}),
    ...(m.files ? { files: m.files.map((f) => ({ id: f.id, name: f.name, title: f.title })), upload: true } : {}),
    ...(m.threadTs ? { thread_ts: m.threadTs } : {}),
    ...(m.edits > 0 ? { edited: { user: m.user, ts: m.ts } } : {}),
    ...(options.metadata && m.metadata ? { metadata: m.metadata } : {}),
  };
}
