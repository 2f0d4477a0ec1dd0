import type { Job } from 'bullmq';
import { sleepJob } from './sleep-job.js';
import type { RedisClient } from '../../run/store/create-redis.js';
import { NOTIFY_QUEUE } from '../engine/create-queues.js';
import { runKeys } from '../../run/store/run-keys.js';
import { evalScript, luaScript } from '../../run/store/eval-script.js';

/**
 * Slack allows about one message post or edit per second per channel. Slightly more than a second between
 * calls keeps any two of them out of the same one-second window, even with jitter in how fast they reach Slack.
 */
export const CHANNEL_SPACING_MS = 1100;

/** A booked turn is kept this long past its time for a job that comes back late (a busy or restarted worker). */
const TURN_GRACE_MS = 60_000;
/** A job woken this close to its turn takes it rather than going back to sleep for a few milliseconds. */
const EARLY_MS = 10;
/** How long an ahead turn keeps its priority past its moment, should its job be late or dead. */
const RESERVE_MS = 5_000;
/** How often a reply whose turn has come looks whether the earlier reply it waits for, with no turn booked, is posted. */
const DUE_POLL_MS = 250;

/**
 * Books the channel's next free turn (or takes the one this job booked before) on Redis's clock, so
 * every worker shares one timeline. Returns 0 when the job may write now (its turn is used up), otherwise
 * how long to wait for its turn. A turn is taken only a full spacing after the last write actually
 * started, so a job woken late does not push the next one into the same second; a job that finds its turn so
 * taken books a turn of its own again, in its line, rather than waiting for the next moment with every other
 * job that found the same. ARGV[3] > 0 books anew,
 * that many ms from now, outside the line (after a 429: the job lost its turn to Slack's clock, and the
 * run's later replies wait for it, so it goes again as soon as Slack allows, not at the back of the line;
 * the last-write rule keeps it a spacing away from the turns booked then). ARGV[5] = 1 never takes a turn
 * (a reply that must let an earlier one go first): it books one if the job has none and keeps it; once it
 * is due, the job looks again a spacing after the earlier job's own turn (KEYS[4]) or, when that has none,
 * in ARGV[6] ms, first in line for the channel's next free moment, until it may take it.
 *
 * ARGV[7] = 1 goes ahead of the line (a run's first message, whose replies, alerts and buttons all wait for
 * it, and a message that has trailed its run past the lag bound): such jobs book in a line of their own
 * (KEYS[6]), first come first served, at the channel's next free moment after the ahead turns booked
 * before. Their turns are listed in KEYS[5] (scored by their moment): a job of the ordinary line whose
 * turn comes while an ahead turn is due within a spacing steps back past it (and past the ahead turns
 * that follow it a spacing apart), and an ahead job lets every earlier ahead turn go first; either wakes
 * once, past the last of them, rather than once per spacing. An ahead turn keeps that priority for
 * ARGV[8] ms past its moment, in case its job is late or dead. So an ahead job waits at most a spacing for every ahead turn booked before it,
 * however long the ordinary line is.
 * KEYS: the channel's line (time of its next free turn), this job's booked turn, the channel's last write,
 * the booked turn of the job it waits for (with ARGV[5] = 1), the channel's ahead turns, its ahead line.
 */
const BOOK_TURN = luaScript(`
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local spacing, early, notBefore, grace = tonumber(ARGV[1]), tonumber(ARGV[2]), tonumber(ARGV[3]), tonumber(ARGV[4])
local hold, poll, ahead, reserve = ARGV[5] == '1', tonumber(ARGV[6]), ARGV[7] == '1', tonumber(ARGV[8])
-- Each key is read at most once a call: the turn this job booked as read below (nil: none; only wait_until writes
-- it, and never before take), and the channel's last write once asked for (nothing writes it before take ends).
local booked
local last_known, last_write = false, nil
local function last_write_at()
  if not last_known then
    last_write, last_known = tonumber(redis.call('GET', KEYS[3])), true
  end
  return last_write
end
local function wait_until(at)
  redis.call('SET', KEYS[2], at, 'PX', at - now + grace)
  if ahead then
    redis.call('ZADD', KEYS[5], at, KEYS[2])
    redis.call('PEXPIRE', KEYS[5], at - now + grace)
  end
  return at - now
end
local function held()
  local other = tonumber(redis.call('GET', KEYS[4]))
  if other and other + spacing > now + poll then return other + spacing - now end
  return poll
end
-- The moment to wait for when ahead turns go first, nil when none does: past every earlier ahead turn (an
-- ahead job with a turn) or every ahead turn due within a spacing of the moment found so far (any other), so
-- the job wakes once, not once per spacing. A turn already due counts as going within a spacing from now.
-- Also whether this job's own turn is still listed among the ahead turns.
local function yield_until()
  redis.call('ZREMRANGEBYSCORE', KEYS[5], '-inf', '(' .. (now - reserve))
  local listed = ahead and tonumber(redis.call('ZSCORE', KEYS[5], KEYS[2]))
  -- A late ahead job whose turn was pruned keeps its place by the moment it booked.
  local mine = ahead and (listed or booked)
  local turns = redis.call('ZRANGEBYSCORE', KEYS[5], '-inf', mine and ('(' .. mine) or '+inf', 'WITHSCORES', 'LIMIT', 0, 64)
  local at
  for i = 1, #turns, 2 do
    local s = tonumber(turns[i + 1])
    if turns[i] ~= KEYS[2] then
      if not mine and s > (at or now) + spacing then break end
      at = math.max(at or 0, math.max(s, now) + spacing)
    end
  end
  return at, listed
end
-- A job whose turn came while another write had just started lost it: it books a turn of its own again, in the
-- line it booked in. Waiting for just after that write instead, every job that lost its turn at that moment woke
-- at the same next moment, one of them won, and the rest lost again, turn after turn, behind the jobs that kept
-- booking after them (a summary slipped 13 times in a row). A job that finds the last write only a little late
-- (its own turn's predecessor, woken late) still just waits for the rest of the spacing: booked again at the back
-- of the line, it would leave that moment to no one.
local function rebook(last)
  local line = ahead and KEYS[6] or KEYS[1]
  local at = math.max(now, tonumber(redis.call('GET', line) or '0'), last + spacing)
  redis.call('SET', line, at + spacing, 'PX', at + spacing - now)
  return wait_until(at)
end
local function take()
  local last = last_write_at()
  if last and last + spacing > now + early then
    if last + spacing - now <= spacing / 2 then return wait_until(last + spacing) end
    return rebook(last)
  end
  local after, listed = yield_until()
  if after then return wait_until(after) end
  redis.call('SET', KEYS[3], now, 'PX', spacing)
  if booked then redis.call('DEL', KEYS[2]) end
  if listed then redis.call('ZREM', KEYS[5], KEYS[2]) end
  return 0
end
if notBefore > 0 then return wait_until(now + notBefore) end
booked = tonumber(redis.call('GET', KEYS[2]))
if booked then
  if booked > now + early then return booked - now end
  if hold then return held() end
  return take()
end
if ahead then
  local at = math.max(now, tonumber(redis.call('GET', KEYS[6]) or '0'), (last_write_at() or 0) + spacing)
  redis.call('SET', KEYS[6], at + spacing, 'PX', at + spacing - now)
  if at > now + early then return wait_until(at) end
  return take()
end
local at = math.max(now, tonumber(redis.call('GET', KEYS[1]) or '0'))
redis.call('SET', KEYS[1], at + spacing, 'PX', at + spacing - now)
if at > now + early then return wait_until(at) end
if hold then
  wait_until(at)
  return held()
end
return take()
`);

/**
 * Spaces every Slack write into one channel, across all workers: each write books the channel's next
 * free turn, first come first served, and its job sleeps (delayed, no attempt spent) until then. Booking
 * instead of polling a shared slot means nothing can starve: a thread reply waits behind the writes booked
 * before it, never behind ones that arrive after.
 */
export interface ChannelPacer {
  /** Returns once this job's turn in the channel has come; otherwise puts the job back until it (throws DelayedError). */
  turn(channel: string, job: Job, token: string | undefined): Promise<void>;
  /**
   * How long this job (or a render's turn, see {@link RENDER_TURNS}) waits for its turn (booking one if it has none);
   * 0 means its turn is now and used up. `notBeforeMs` (Slack's Retry-After after a 429) replaces its turn with one
   * that many ms from now; `ahead` books in the channel's ahead line, before every turn of the ordinary line.
   */
  book(channel: string, holder: TurnHolder, options?: { notBeforeMs?: number; ahead?: boolean }): Promise<number>;
  /**
   * How long to wait before looking again, for a job that may not write yet (the job `before`, an earlier
   * reply of its run, goes first): until the turn it booked (booking one if it has none), or once that turn
   * is due, which it keeps, until just after `before`'s turn. It loses its place in the line only if it
   * waits past the turn's grace. Never 0.
   */
  defer(channel: string, job: Job, before: string): Promise<number>;
  /** Slack answered 429: the job's next turn comes after Retry-After, ahead of the line, and it sleeps until then (throws DelayedError). */
  rateLimited(channel: string, job: Job, token: string | undefined, retryAfterMs: number): Promise<never>;
  /**
   * How long until the turn a render of the run holds ahead of the line (the run's first message, or an
   * overdue one) comes; undefined when no render of the run waits for such a turn.
   */
  aheadRenderIn(runId: string): Promise<number | undefined>;
  /** How long until the turn the notify job `jobId` booked comes (0 when it is due); undefined when it holds none. */
  turnIn(jobId: string): Promise<number | undefined>;
}

/**
 * What holds a turn: a notify job, or a render of the render queue, named `{ queueName: RENDER_TURNS, id: <turn> }`
 * with the turn it takes (its run's id, or `late:<run id>` for one gone ahead of the line past the lag bound).
 */
export type TurnHolder = Pick<Job, 'queueName' | 'id' | 'name'>;

/** The name under which renders hold turns, beside the notify queue's jobs. */
export const RENDER_TURNS = 'render';

/** The turn a job booked, as the epoch ms (Redis's clock) it comes at. */
const turnKeyOf = (keyPrefix: string, queueName: string, id: string) => `{${keyPrefix}}:write-turn:${queueName}:${id}`;

export function createChannelPacer(redis: RedisClient, keyPrefix: string, spacingMs = CHANNEL_SPACING_MS): ChannelPacer {
  const lineOf = (channel: string) => `{${keyPrefix}}:write-line:${channel}`;
  const turnOf = (holder: TurnHolder, id = holder.id ?? holder.name) => turnKeyOf(keyPrefix, holder.queueName, id);
  const lastOf = (channel: string) => `{${keyPrefix}}:write-last:${channel}`;
  const aheadTurnsOf = (channel: string) => `{${keyPrefix}}:write-ahead-turns:${channel}`;
  const aheadLineOf = (channel: string) => `{${keyPrefix}}:write-ahead-line:${channel}`;
  // A 429's new turn comes at least one spacing later, so it is always a wait, never taken at once.
  const book = async (channel: string, job: TurnHolder, notBeforeMs = 0, hold?: string, ahead = false) =>
    Number(
      await evalScript(
        redis,
        BOOK_TURN,
        [lineOf(channel), turnOf(job), lastOf(channel), turnOf(job, hold), aheadTurnsOf(channel), aheadLineOf(channel)],
        [
          spacingMs,
          EARLY_MS,
          notBeforeMs > 0 ? Math.ceil(Math.max(notBeforeMs, spacingMs)) : 0,
          TURN_GRACE_MS,
          hold === undefined ? 0 : 1,
          DUE_POLL_MS,
          ahead ? 1 : 0,
          RESERVE_MS,
        ],
      ),
    );
  const turnIn = async (jobId: string, queueName: string = NOTIFY_QUEUE) => {
    // The worker's clock stands in for Redis's: a skew costs one more look at most.
    const at = await redis.get(turnKeyOf(keyPrefix, queueName, jobId));
    return at === null ? undefined : Math.max(0, Number(at) - Date.now());
  };
  return {
    book: (channel, job, options = {}) => book(channel, job, options.notBeforeMs, undefined, options.ahead),
    defer: (channel, job, before) => book(channel, job, 0, before),
    async turn(channel, job, token) {
      const wait = await book(channel, job);
      if (wait > 0) await sleepJob(job, token, wait);
    },
    async rateLimited(channel, job, token, retryAfterMs) {
      return sleepJob(job, token, await book(channel, job, retryAfterMs));
    },
    async aheadRenderIn(runId) {
      const waiting = await redis.get(runKeys(keyPrefix).renderWaiting(runId));
      return waiting?.startsWith('ahead:') ? turnIn(waiting.slice('ahead:'.length), RENDER_TURNS) : undefined;
    },
    turnIn: (jobId) => turnIn(jobId),
  };
}
