import type { Block, EphemeralMessage, MessageMetadata, SharedFileRef, StoredMessage } from './slack-types.js';

/** Fields for a new message; the store assigns `ts`. */
export interface NewMessage {
  text: string;
  blocks: Block[];
  user: string;
  botId?: string;
  threadTs?: string;
  metadata?: MessageMetadata;
  files?: SharedFileRef[];
}

/** Channel history and ephemerals, with Slack-like per-channel `ts` allocation. */
export class MessageStore {
  private readonly channels = new Map<string, StoredMessage[]>();
  private readonly lastMicros = new Map<string, number>();
  readonly ephemerals: EphemeralMessage[] = [];

  constructor(
    channelIds: readonly string[],
    private readonly now: () => number,
  ) {
    for (const id of channelIds) this.channels.set(id, []);
  }

  /** Makes a channel known (DMs opened through `conversations.open`); no-op when it already is. */
  addChannel(channel: string): void {
    if (!this.channels.has(channel)) this.channels.set(channel, []);
  }

  /** True when the channel is known. */
  hasChannel(channel: string): boolean {
    return this.channels.has(channel);
  }

  /**
   * Posts a message; with `threadTs` it becomes a reply (a reply's ts resolves to its parent, as in Slack).
   * Returns undefined when the channel or thread parent is unknown.
   */
  post(channel: string, input: NewMessage): StoredMessage | undefined {
    const history = this.channels.get(channel);
    if (!history) return undefined;
    let parent: StoredMessage | undefined;
    if (input.threadTs !== undefined) {
      const target = this.find(channel, input.threadTs);
      if (!target) return undefined;
      parent = target.threadTs ? this.find(channel, target.threadTs) : target;
      if (!parent) return undefined;
    }
    const message: StoredMessage = {
      channel,
      ts: this.nextTs(channel),
      text: input.text,
      blocks: input.blocks,
      user: input.user,
      ...(input.botId ? { botId: input.botId } : {}),
      ...(parent ? { threadTs: parent.ts } : {}),
      ...(input.metadata ? { metadata: input.metadata } : {}),
      ...(input.files ? { files: input.files } : {}),
      edits: 0,
      replies: [],
    };
    (parent ? parent.replies : history).push(message);
    return message;
  }

  /** Top-level message or thread reply by ts. */
  find(channel: string, ts: string): StoredMessage | undefined {
    for (const m of this.channels.get(channel) ?? []) {
      if (m.ts === ts) return m;
      const reply = m.replies.find((r) => r.ts === ts);
      if (reply) return reply;
    }
    return undefined;
  }

  /** Top-level messages of a channel in order. */
  list(channel: string): StoredMessage[] {
    return [...(this.channels.get(channel) ?? [])];
  }

  /** Replaces text, blocks and/or metadata in place; omitted fields keep their value (chat.update semantics). */
  edit(message: StoredMessage, change: { text?: string; blocks?: Block[]; metadata?: MessageMetadata }): void {
    if (change.text !== undefined) message.text = change.text;
    if (change.blocks !== undefined) message.blocks = change.blocks;
    if (change.metadata !== undefined) message.metadata = change.metadata;
    message.edits += 1;
  }

  /** Removes a message (and, for a parent, its thread). */
  remove(channel: string, ts: string): boolean {
    const history = this.channels.get(channel) ?? [];
    const i = history.findIndex((m) => m.ts === ts);
    if (i >= 0) {
      history.splice(i, 1);
      return true;
    }
    for (const m of history) {
      const j = m.replies.findIndex((r) => r.ts === ts);
      if (j >= 0) {
        m.replies.splice(j, 1);
        return true;
      }
    }
    return false;
  }

  /** Records an ephemeral message and returns its `message_ts`. */
  postEphemeral(input: Omit<EphemeralMessage, 'ts'>): EphemeralMessage {
    const message: EphemeralMessage = { ...input, ts: this.nextTs(input.channel) };
    this.ephemerals.push(message);
    return message;
  }

  // "<unix seconds>.<6 digits>", strictly increasing per channel even within one microsecond.
  private nextTs(channel: string): string {
    const candidate = Math.floor(this.now()) * 1000;
    const last = this.lastMicros.get(channel) ?? 0;
    const micros = candidate > last ? candidate : last + 1;
    this.lastMicros.set(channel, micros);
    const seconds = Math.floor(micros / 1_000_000);
    return `${seconds}.${String(micros % 1_000_000).padStart(6, '0')}`;
  }
}
