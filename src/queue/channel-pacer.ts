import { DelayedError, type Job } from 'bullmq';
import type { Redis } from 'ioredis';

/**
 * Slack allows about one message post or edit per second per channel. Slightly more than a second between
 * calls keeps any two of them out of the same one-second window, even with clock jitter between workers.
 */
export const CHANNEL_SPACING_MS = 1100;

/** Spaces every Slack write into one channel, across all workers, through one Redis key per channel. */
export interface ChannelPacer {
  /** Takes the channel's slot, or puts the job back as delayed until the slot is free (throws DelayedError). */
  acquire(channel: string, job: Job, token: string | undefined): Promise<void>;
  /** Re-takes the slot once Slack has answered, so the spacing counts from when the call reached Slack. */
  hold(channel: string): Promise<void>;
}

export function createChannelPacer(redis: Redis, keyPrefix: string, spacingMs = CHANNEL_SPACING_MS): ChannelPacer {
  const keyOf = (channel: string) => `{${keyPrefix}}:edit-slot:${channel}`;
  return {
    async acquire(channel, job, token) {
      if ((await redis.set(keyOf(channel), '1', 'PX', spacingMs, 'NX')) === 'OK') return;
      const wait = Math.max(await redis.pttl(keyOf(channel)), 50);
      await job.moveToDelayed(Date.now() + wait, token);
      throw new DelayedError();
    },
    async hold(channel) {
      await redis.set(keyOf(channel), '1', 'PX', spacingMs);
    },
  };
}
