import { err, str, type Handler } from './method-context.js';
import type { StoredMessage } from './slack-types.js';
import { wireMessage } from './wire-message.js';

const DEFAULT_LIMIT = 100;
const MAX_LIMIT = 999;

/** `conversations.history`: top-level messages newest first, a time window, cursor paging. */
export const historyMethods: Readonly<Record<string, Handler>> = {
  'conversations.history': (ctx, args) => {
    const channel = str(args.channel);
    if (!channel || !ctx.store.hasChannel(channel)) return err('channel_not_found');
    const oldest = args.oldest === undefined ? 0n : toMicros(args.oldest);
    if (oldest === undefined) return err('invalid_ts_oldest');
    const latest = args.latest === undefined ? undefined : toMicros(args.latest);
    if (args.latest !== undefined && latest === undefined) return err('invalid_ts_latest');
    let from: bigint | undefined;
    if (args.cursor !== undefined && args.cursor !== '') {
      from = readCursor(args.cursor);
      if (from === undefined) return err('invalid_cursor');
    }
    const inclusive = flag(args.inclusive);
    const limit = readLimit(args.limit);
    const inWindow = (m: StoredMessage): boolean => {
      const at = toMicros(m.ts)!;
      const afterOldest = inclusive ? at >= oldest : at > oldest;
      const beforeLatest = latest === undefined || (inclusive ? at <= latest : at < latest);
      return afterOldest && beforeLatest && (from === undefined || at <= from);
    };
    const matching = ctx.store.list(channel).filter(inWindow).reverse();
    const page = matching.slice(0, limit);
    const next = matching[limit];
    return {
      ok: true,
      messages: page.map((m) => ({
        ...wireMessage(ctx, m, { metadata: flag(args.include_all_metadata) }),
        ...(m.replies.length > 0 ? { thread_ts: m.ts, reply_count: m.replies.length } : {}),
      })),
      has_more: next !== undefined,
      pin_count: 0,
      ...(next ? { response_metadata: { next_cursor: Buffer.from(`next_ts:${toMicros(next.ts)!}`).toString('base64') } } : {}),
    };
  },
};

/** A Slack ts ("1700000000.123456", or whole seconds) as integer microseconds: exact, unlike a float. */
function toMicros(value: unknown): bigint | undefined {
  const text = str(value);
  const match = text === undefined ? null : /^(\d+)(?:\.(\d{1,6}))?$/.exec(text);
  if (!match) return undefined;
  return BigInt(match[1]!) * 1_000_000n + BigInt((match[2] ?? '').padEnd(6, '0'));
}

// Slack's cursors look like base64("next_ts:<ts without the dot>"); this one names the next message to return.
function readCursor(value: unknown): bigint | undefined {
  const decoded = Buffer.from(str(value) ?? '', 'base64').toString('utf8');
  const match = /^next_ts:(\d+)$/.exec(decoded);
  return match ? BigInt(match[1]!) : undefined;
}

// Form bodies carry booleans as "true"/"1"; JSON bodies as booleans.
function flag(value: unknown): boolean {
  return value === true || value === 'true' || value === '1' || value === 1;
}

function readLimit(value: unknown): number {
  const n = Number(str(value));
  if (!Number.isInteger(n) || n < 1) return DEFAULT_LIMIT;
  return Math.min(n, MAX_LIMIT);
}
