import { randomBytes } from 'node:crypto';
import type { MessageStore } from './message-store.js';
import { parseBlocks, isObject } from './validate-blocks.js';
import type { RecordedResponse, ResponseFault, ResponseUrlContext } from './slack-types.js';

const MAX_USES = 5;
const LIFETIME_MS = 30 * 60 * 1000;

interface Entry {
  context: ResponseUrlContext;
  createdAt: number;
  uses: number;
}

/** Answer for a POST to a response URL. */
export interface ResponseUrlReply {
  status: number;
  body: Record<string, unknown>;
}

/**
 * Mints response URLs and applies what is POSTed to them the way Slack does: `replace_original` /
 * `delete_original` act on the originating message, `in_channel` posts as the bot, anything else is an
 * ephemeral to the invoking user. Replacing only happens when asked for explicitly (Block Kit default).
 */
export class ResponseUrls {
  private readonly entries = new Map<string, Entry>();
  private readonly faults: Array<{ remaining: number; fault: ResponseFault }> = [];
  readonly recorded: RecordedResponse[] = [];

  constructor(
    private readonly store: MessageStore,
    private readonly bot: { userId: string; botId: string },
    private readonly now: () => number,
  ) {}

  /** Returns a fresh `${baseUrl}response/<id>`. */
  create(baseUrl: string, context: ResponseUrlContext = {}): string {
    const id = randomBytes(9).toString('hex');
    this.entries.set(id, { context, createdAt: this.now(), uses: 0 });
    return `${baseUrl}response/${id}`;
  }

  /** Makes the next `count` POSTs to any response URL answer `fault` instead; none of them uses the URL up. */
  failNext(count: number, fault: ResponseFault): void {
    if (count > 0) this.faults.push({ remaining: count, fault });
  }

  /** Handles a POST body for response URL `id`; records it whatever the outcome. */
  handle(id: string, url: string, rawBody: string): ResponseUrlReply {
    const parsed = parseJson(rawBody);
    const body = isObject(parsed) ? parsed : {};
    // An injected fault stands in for whatever Slack would have answered, before it looks at the body.
    const reply = this.takeFault() ?? (isObject(parsed) ? this.apply(id, body) : fail(400, 'invalid_payload'));
    this.recorded.push({ id, url, body, at: this.now(), status: reply.status });
    return reply;
  }

  private takeFault(): ResponseUrlReply | undefined {
    const head = this.faults[0];
    if (!head) return undefined;
    head.remaining -= 1;
    if (head.remaining <= 0) this.faults.shift();
    const status = head.fault.status ?? 404;
    return fail(status, head.fault.error ?? (status === 404 ? 'expired_url' : 'internal_error'));
  }

  private apply(id: string, body: Record<string, unknown>): ResponseUrlReply {
    const entry = this.entries.get(id);
    if (!entry) return fail(404, 'invalid_url');
    if (this.now() - entry.createdAt > LIFETIME_MS) return fail(404, 'expired_url');
    if (entry.uses >= MAX_USES) return fail(404, 'used_url');
    const blocks = parseBlocks(body.blocks);
    if (!blocks.ok) return fail(400, blocks.error);
    entry.uses += 1;
    const { channelId, userId, messageTs } = entry.context;
    const text = typeof body.text === 'string' ? body.text : undefined;
    const threadTs = typeof body.thread_ts === 'string' ? body.thread_ts : undefined;
    if (channelId === undefined) return ok();
    if (messageTs !== undefined && body.delete_original === true) {
      return this.store.remove(channelId, messageTs) ? ok() : fail(404, 'message_not_found');
    }
    if (messageTs !== undefined && body.replace_original === true) {
      const original = this.store.find(channelId, messageTs);
      if (original) {
        this.store.edit(original, { text: text ?? '', blocks: blocks.blocks ?? [] });
        return ok();
      }
      const ephemeral = this.store.ephemerals.find((e) => e.channel === channelId && e.ts === messageTs);
      if (!ephemeral) return fail(404, 'message_not_found');
      ephemeral.text = text ?? '';
      ephemeral.blocks = blocks.blocks ?? [];
      return ok();
    }
    if (body.response_type === 'in_channel') {
      const posted = this.store.post(channelId, {
        text: text ?? '',
        blocks: blocks.blocks ?? [],
        user: this.bot.userId,
        botId: this.bot.botId,
        ...(threadTs ? { threadTs } : {}),
      });
      return posted ? ok() : fail(404, 'channel_not_found');
    }
    if (userId !== undefined) {
      this.store.postEphemeral({
        channel: channelId,
        user: userId,
        text: text ?? '',
        blocks: blocks.blocks ?? [],
        ...(threadTs ? { threadTs } : {}),
        via: 'response_url',
      });
    }
    return ok();
  }
}

/** The parsed body, or `undefined` when it is not JSON. */
function parseJson(rawBody: string): unknown {
  try {
    return JSON.parse(rawBody);
  } catch {
    return undefined;
  }
}

function ok(): ResponseUrlReply {
  return { status: 200, body: { ok: true } };
}

function fail(status: number, error: string): ResponseUrlReply {
  return { status, body: { ok: false, error } };
}
