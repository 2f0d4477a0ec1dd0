import { randomBytes } from 'node:crypto';
import type { Job } from 'bullmq';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createChannelPacer, type ChannelPacer } from '../../src/queue/notify/channel-pacer.js';
import { deleteKeys } from '../support/delete-keys.js';
import { recordRedisCommands } from '../support/record-redis-commands.js';
import { waitUntil } from '../support/wait-until.js';

/**
 * The test reads what the pacer scheduled from its own records in Redis (each job's booked turn, the channel's
 * last write, the ahead turns), all on Redis's clock, so nothing here depends on how fast the test runs.
 */
const SPACING_MS = 600;
/** The pacer lets a job woken this close to its turn take it (EARLY_MS in channel-pacer.ts). */
const TAKE_EARLY_MS = 10;

let redis: Redis;
let prefix: string;
let pacer: ChannelPacer;

/** The pacer reads only a job's queue and id, so the test books turns without a queue. */
const job = (id: string) => ({ id, name: 'render', queueName: 'notify' }) as unknown as Job;
const turnKey = (id: string) => `{${prefix}}:write-turn:notify:${id}`;
/** The moment the pacer booked for job `id`, in Redis ms. */
const bookedTurn = async (id: string) => Number(await redis.get(turnKey(id)));
/** When the channel's last write was let through, in Redis ms. */
const lastWrite = async (channel: string) => Number(await redis.get(`{${prefix}}:write-last:${channel}`));
/** The moment of job `id`'s turn among the channel's ahead turns, or null when it has none. */
const aheadTurn = async (channel: string, id: string) => {
  const score = await redis.zscore(`{${prefix}}:write-ahead-turns:${channel}`, turnKey(id));
  return score === null ? null : Number(score);
};

async function redisNow(): Promise<number> {
  const [seconds, micros] = await redis.time();
  return Number(seconds) * 1000 + Math.floor(Number(micros) / 1000);
}

/** Waits until Redis's clock (the pacer's clock) reaches `at`. */
async function untilRedisClock(at: number): Promise<void> {
  await waitUntil(`Redis's clock to reach ${at}`, async () => ((await redisNow()) >= at ? true : undefined), SPACING_MS * 20);
}

/** What a worker does with a job: book, sleep until the booked turn, book again, until the pacer says write. Returns the write's time. */
async function writeWhenDue(channel: string, id: string, options: { ahead?: boolean } = {}): Promise<number> {
  for (;;) {
    if ((await pacer.book(channel, job(id), options)) === 0) return lastWrite(channel);
    await untilRedisClock(await bookedTurn(id));
  }
}

/** A channel and job ids of its own for each test, so no test sees another's turns. */
const fresh = () => randomBytes(3).toString('hex');

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
    const id = fresh();
    const channel = `C0${id}`;
    const [reply1, reply2, firstPost] = [`${id}-reply-1`, `${id}-reply-2`, `${id}-first-post`];

    expect(await pacer.book(channel, job(reply1))).toBe(0);
    const first = await lastWrite(channel);
    const replyWait = await pacer.book(channel, job(reply2));
    expect(replyWait).toBeGreaterThan(0);
    expect(replyWait).toBeLessThanOrEqual(SPACING_MS);
    expect(await bookedTurn(reply2)).toBe(first + SPACING_MS);
    // The first post goes ahead of the line to the same moment, as an ahead turn.
    expect(await pacer.book(channel, job(firstPost), { ahead: true })).toBeGreaterThan(0);
    expect(await bookedTurn(firstPost)).toBe(first + SPACING_MS);
    expect(await aheadTurn(channel, firstPost)).toBe(first + SPACING_MS);

    await untilRedisClock(first + SPACING_MS);
    // The reply asks first and would win a race; an ahead turn is due, so it steps back a whole spacing.
    const reasked = await redisNow();
    expect(await pacer.book(channel, job(reply2))).toBeGreaterThan(0);
    expect(await bookedTurn(reply2)).toBeGreaterThanOrEqual(reasked + SPACING_MS);

    const firstPostWrite = await writeWhenDue(channel, firstPost, { ahead: true });
    expect(await aheadTurn(channel, firstPost)).toBeNull();
    const replyWrite = await writeWhenDue(channel, reply2);

    expect(firstPostWrite).toBeLessThan(replyWrite);
    expect(firstPostWrite - first).toBeGreaterThanOrEqual(SPACING_MS - TAKE_EARLY_MS);
    expect(replyWrite - firstPostWrite).toBeGreaterThanOrEqual(SPACING_MS - TAKE_EARLY_MS);
  });

  it('ahead turns go first come first served: a second first post waits for the first, even when it asks first', async () => {
    const id = fresh();
    const channel = `C0${id}`;
    const [reply, firstA, firstB] = [`${id}-reply`, `${id}-first-a`, `${id}-first-b`];

    expect(await pacer.book(channel, job(reply))).toBe(0);
    const first = await lastWrite(channel);
    expect(await pacer.book(channel, job(firstA), { ahead: true })).toBeGreaterThan(0);
    expect(await pacer.book(channel, job(firstB), { ahead: true })).toBeGreaterThan(0);
    expect(await bookedTurn(firstA)).toBe(first + SPACING_MS);
    expect(await aheadTurn(channel, firstA)).toBe(first + SPACING_MS);
    expect(await aheadTurn(channel, firstB)).toBe(first + 2 * SPACING_MS);

    await untilRedisClock(Math.max(await bookedTurn(firstA), await bookedTurn(firstB)));
    // B asks first, at its own moment, while A (booked before it) has not written: B steps back.
    expect(await pacer.book(channel, job(firstB), { ahead: true })).toBeGreaterThan(0);
    const aWrite = await writeWhenDue(channel, firstA, { ahead: true });
    const bWrite = await writeWhenDue(channel, firstB, { ahead: true });

    expect(aWrite).toBeLessThan(bWrite);
    expect(aWrite - first).toBeGreaterThanOrEqual(SPACING_MS - TAKE_EARLY_MS);
    expect(bWrite - aWrite).toBeGreaterThanOrEqual(SPACING_MS - TAKE_EARLY_MS);
  });
});

describe('channel pacer: jobs that lose their turn', () => {
  it('book a turn of their own again, each its own moment, rather than all the same next moment', async () => {
    const id = fresh();
    const channel = `C0${id}`;
    const [a, b, c, d] = [`${id}-a`, `${id}-b`, `${id}-c`, `${id}-d`];
    for (const name of [a, b, c, d]) await pacer.book(channel, job(name));
    // a writes at once; b, c and d were booked a spacing apart after it. d comes back at its turn while b and c
    // are late, and takes the channel: b and c then find it just written.
    await untilRedisClock(await bookedTurn(d));
    expect(await pacer.book(channel, job(d))).toBe(0);
    const dWrite = await lastWrite(channel);
    expect(await pacer.book(channel, job(b))).toBeGreaterThan(0);
    expect(await pacer.book(channel, job(c))).toBeGreaterThan(0);
    // Each books again at the back of the line, a spacing apart, not both at the moment after d's write.
    expect(await bookedTurn(b)).toBe(dWrite + SPACING_MS);
    expect(await bookedTurn(c)).toBe(dWrite + 2 * SPACING_MS);
    const bWrite = await writeWhenDue(channel, b);
    const cWrite = await writeWhenDue(channel, c);
    expect(bWrite - dWrite).toBeGreaterThanOrEqual(SPACING_MS - TAKE_EARLY_MS);
    expect(cWrite - bWrite).toBeGreaterThanOrEqual(SPACING_MS - TAKE_EARLY_MS);
  });
});

describe('channel pacer: what a booking costs Redis', () => {
  /** The commands the pacer's script ran for one booking, and what the booking answered. */
  async function ranFor(book: () => Promise<number>): Promise<{ wait: number; ran: string[][] }> {
    const recording = await recordRedisCommands(redis, { scripts: true });
    const wait = await book();
    const ran = (await recording.stop()).filter((command) => command[0] === 'lua').map((command) => [command[1]!.toUpperCase(), ...command.slice(2)]);
    return { wait, ran };
  }
  const reads = (ran: string[][]) => ran.filter(([name]) => name === 'GET' || name === 'ZSCORE').map(([name, key, member]) => `${name} ${key}${member ? ` ${member}` : ''}`);

  it('reads each key once, and removes no turn a job did not hold', async () => {
    const id = fresh();
    const channel = `C0${id}`;
    // A run's first post in a quiet channel: booked ahead of the line and taken in the same call.
    const first = await ranFor(() => pacer.book(channel, job(`${id}-first`), { ahead: true }));
    expect(first.wait).toBe(0);
    expect(reads(first.ran)).toEqual([...new Set(reads(first.ran))]);
    expect(first.ran.filter(([name]) => name === 'DEL' || name === 'ZREM')).toEqual([]);

    // A reply that waited for its turn: its turn, once taken, is removed, and only it.
    const later = `${id}-later`;
    expect(await pacer.book(channel, job(later), { ahead: true })).toBeGreaterThan(0);
    await untilRedisClock(await bookedTurn(later));
    const taken = await ranFor(() => pacer.book(channel, job(later), { ahead: true }));
    expect(taken.wait).toBe(0);
    expect(reads(taken.ran)).toEqual([...new Set(reads(taken.ran))]);
    expect(taken.ran.filter(([name]) => name === 'DEL' || name === 'ZREM')).toEqual([
      ['DEL', turnKey(later)],
      ['ZREM', `{${prefix}}:write-ahead-turns:${channel}`, turnKey(later)],
    ]);
    expect(await aheadTurn(channel, later)).toBeNull();
    expect(await redis.exists(turnKey(later))).toBe(0);
  });
});
