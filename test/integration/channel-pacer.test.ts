import { randomBytes } from 'node:crypto';
import type { Job } from 'bullmq';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createChannelPacer, type ChannelPacer } from '../../src/queue/channel-pacer.js';
import { deleteKeys } from '../support/delete-keys.js';

/** Wide enough that the test's own round trips never blur which turn is which. */
const SPACING_MS = 400;
const CHANNEL = 'C0PACER';

let redis: Redis;
let prefix: string;
let pacer: ChannelPacer;

/** The pacer reads only a job's queue and id, so the test books turns without a queue. */
const job = (id: string) => ({ id, name: 'render', queueName: 'notify' }) as unknown as Job;
const sleep = (ms: number) => new Promise((settle) => setTimeout(settle, ms));

beforeAll(() => {
  redis = new Redis({ host: '127.0.0.1', port: 6379, maxRetriesPerRequest: null });
  prefix = `it-pacer-${randomBytes(4).toString('hex')}`;
  pacer = createChannelPacer(redis, prefix, SPACING_MS);
});

afterAll(async () => {
  await deleteKeys(redis, `{${prefix}}*`);
  redis.disconnect();
});

describe('channel pacer: a run first post in a busy channel', () => {
  it('takes the channel next free moment, and a reply whose turn comes then steps back', async () => {
    expect(await pacer.book(CHANNEL, job('reply-1'))).toBe(0);
    const replyWait = await pacer.book(CHANNEL, job('reply-2'));
    const firstPostWait = await pacer.book(CHANNEL, job('first-post'), { ahead: true });
    // Both are due at the same moment: one spacing after the write just made.
    expect(replyWait).toBeGreaterThan(SPACING_MS / 2);
    expect(Math.abs(firstPostWait - replyWait)).toBeLessThan(SPACING_MS / 2);

    await sleep(Math.max(replyWait, firstPostWait) + 20);
    // The reply asks first and would win a race; the first post reserved the moment, so the reply waits a spacing.
    const replyAgain = await pacer.book(CHANNEL, job('reply-2'));
    expect(replyAgain).toBeGreaterThan(SPACING_MS / 2);
    expect(await pacer.book(CHANNEL, job('first-post'), { ahead: true })).toBe(0);

    await sleep(replyAgain + 20);
    expect(await pacer.book(CHANNEL, job('reply-2'))).toBe(0);
  });

  it('a second first post waits for the first to take its reserved moment', async () => {
    await sleep(SPACING_MS + 20);
    expect(await pacer.book(CHANNEL, job('reply-3'))).toBe(0);
    const a = await pacer.book(CHANNEL, job('first-a'), { ahead: true });
    const b = await pacer.book(CHANNEL, job('first-b'), { ahead: true });
    await sleep(Math.max(a, b) + 20);
    expect(await pacer.book(CHANNEL, job('first-b'), { ahead: true })).toBeGreaterThan(0);
    expect(await pacer.book(CHANNEL, job('first-a'), { ahead: true })).toBe(0);
  });
});
