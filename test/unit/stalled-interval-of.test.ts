import { describe, expect, it } from 'vitest';
import { DEFAULT_WORKER_LOCK_MS, loadEnv } from '../../src/config/load-env.js';
import { stalledIntervalOf } from '../../src/queue/engine/stalled-interval-of.js';

/** Issue 16: a killed worker's job is on another worker within 10 s with default settings. */
const RECOVERY_GOAL_MS = 10_000;

describe('stalledIntervalOf', () => {
  it('is a fifth of the lock, at least 1 s', () => {
    expect(stalledIntervalOf(5000)).toBe(1000);
    expect(stalledIntervalOf(30_000)).toBe(6000);
    expect(stalledIntervalOf(2000)).toBe(1000);
    expect(stalledIntervalOf(1000)).toBe(1000);
  });

  it('keeps the default worst case (lock + two stall checks, one possibly skipped) under the recovery goal with 2 s to spare for the fetch', () => {
    const lock = loadEnv({ SLACK_BOT_TOKEN: 'xoxb-x', SLACK_SIGNING_SECRET: 'x' }).workerLockMs;
    expect(lock).toBe(DEFAULT_WORKER_LOCK_MS);
    expect(lock + 2 * stalledIntervalOf(lock)).toBeLessThanOrEqual(RECOVERY_GOAL_MS - 2000);
  });
});
