import type { RecordedCall } from '../../sandbox/slack/index.js';

const WRITES = new Set(['chat.postMessage', 'chat.update']);
/** A silence at least this long means nothing was sent anywhere for about one Retry-After (1 s). */
const STALL_MS = 900;

/**
 * Where the Slack time went, per channel: what each channel had to write (the floor at one write per
 * second), what it was refused, and how often the whole process went silent right after a 429, which is
 * what a client-wide pause for Retry-After looks like from Slack's side.
 */
export interface ChannelTally {
  channels: number;
  /** Admitted writes of the busiest channel: at one write per second, no schedule finishes it sooner. */
  busiestWrites: number;
  meanWrites: number;
  /** 429s of the channel that got the most, and in how many channels any 429 was seen. */
  most429s: number;
  channelsWith429: number;
  /** 429s after which no call at all (any channel, any method) reached Slack for {@link STALL_MS}. */
  rateLimitsFollowedByStall: number;
  rateLimits: number;
  /** Seconds in which no call reached Slack at all, summed over silences of at least {@link STALL_MS}. */
  silentSeconds: number;
  /** Admitted writes per second over the window, over all channels. */
  writesPerSecond: number;
}

export function tallyChannels(calls: readonly RecordedCall[], windowMs: number): ChannelTally {
  const writes = new Map<string, number>();
  const refused = new Map<string, number>();
  for (const call of calls) {
    if (!WRITES.has(call.method)) continue;
    const channel = String(call.args.channel ?? '');
    const counts = call.status === 429 ? refused : writes;
    counts.set(channel, (counts.get(channel) ?? 0) + 1);
  }
  const sorted = [...calls].sort((a, b) => a.at - b.at);
  let silentMs = 0;
  let stalls = 0;
  let rateLimits = 0;
  for (let i = 0; i < sorted.length; i += 1) {
    const call = sorted[i] as RecordedCall;
    const next = sorted[i + 1];
    const gap = next ? next.at - call.at : 0;
    if (gap >= STALL_MS) silentMs += gap;
    if (call.status !== 429) continue;
    rateLimits += 1;
    let otherChannelSoon = false;
    for (let j = i + 1; j < sorted.length && (sorted[j] as RecordedCall).at - call.at < STALL_MS; j += 1) {
      if ((sorted[j] as RecordedCall).args.channel !== call.args.channel) otherChannelSoon = true;
    }
    if (!otherChannelSoon) stalls += 1;
  }
  const totals = [...writes.values()];
  const admitted = totals.reduce((sum, n) => sum + n, 0);
  return {
    channels: writes.size,
    busiestWrites: Math.max(0, ...totals),
    meanWrites: totals.length === 0 ? 0 : admitted / totals.length,
    most429s: Math.max(0, ...refused.values()),
    channelsWith429: refused.size,
    rateLimitsFollowedByStall: stalls,
    rateLimits,
    silentSeconds: silentMs / 1000,
    writesPerSecond: windowMs > 0 ? admitted / (windowMs / 1000) : 0,
  };
}
