import type { Job } from 'bullmq';
import type { RedisClient } from '../../run/store/create-redis.js';
import { OutboxIndex } from '../../run/store/outbox-index.js';
import { runKeys } from '../../run/store/run-keys.js';
import { parseNotifyJobs } from '../engine/notify-jobs-of.js';

/** How long a run's line of replies is kept after its last change: far longer than any reply waits. */
const LINE_TTL_SECONDS = 7 * 24 * 3600;

/** The summary closes the thread: it goes after every reply of the run that is still to be posted. */
export const LAST_PLACE = Number.POSITIVE_INFINITY;

/**
 * A thread job's place among its run's replies: the transition that made it (the run's seq) and its index
 * among that transition's effects, the last two numbers of the job id the engine gives it
 * (`thread-<run ref>-<seq>-<index>`, the ref being `<id>` or `<id>-<uid>`, see run-ref.ts).
 * Undefined for a job named otherwise: it is posted in its turn, unordered.
 */
export function threadPlace(runId: string, job: Pick<Job, 'id'>): { seq: number; index: number; place: number } | undefined {
  const id = job.id ?? '';
  if (!id.startsWith(`thread-${runId}-`)) return undefined;
  const match = /-(\d+)-(\d+)$/.exec(id);
  if (!match) return undefined;
  const seq = Number(match[1]);
  const index = Number(match[2]);
  return { seq, index, place: seq * 10_000 + index };
}

/**
 * Keeps the replies of one run in the order their transitions made them, whatever order their jobs run
 * in: a job joins the run's line when it first runs and may post only when no earlier reply of the run is
 * still pending. Its siblings (earlier effects of the same transition) count even before they join, since
 * the engine enqueued them first. A reply whose job is gone or finished (failed for good) stops holding
 * the line, so one lost reply cannot block the others.
 */
export interface ReplyOrder {
  join(runId: string, job: Pick<Job, 'id' | 'name'>, place: number): Promise<void>;
  /** The job id of an earlier reply of the run still to be posted, if any. */
  behind(runId: string, job: Job, place: number): Promise<string | undefined>;
  leave(runId: string, job: Job): Promise<void>;
}

const scoreOf = (place: number) => (place === LAST_PLACE ? '+inf' : String(place));

/** Whether the job `id` of `job`'s queue is queued, active or waiting for a retry: its hash exists and BullMQ has not stamped it finished. */
export async function jobPending(redis: RedisClient, job: Job, id: string): Promise<boolean> {
  const [timestamp, finishedOn] = await redis.hmget(`${job.queueQualifiedName}:${id}`, 'timestamp', 'finishedOn');
  return timestamp !== null && finishedOn === null;
}

export function createReplyOrder(redis: RedisClient, keyPrefix: string): ReplyOrder {
  const lineOf = (runId: string) => `{${keyPrefix}}:reply-line:${runId}`;
  const outbox = new OutboxIndex(redis, runKeys(keyPrefix));
  const pending = (job: Job, id: string) => jobPending(redis, job, id);
  /**
   * The job id of the earliest reply of a write before `seq` that the run's outbox still holds, undefined when
   * none (a reply's own write's replies are its siblings, looked at below). An entry that holds only an alert,
   * or that is not a list of jobs (the reconciler drops it), holds back no reply.
   */
  const committedRepliesBefore = async (runId: string, seq: number): Promise<string | undefined> => {
    const places = (await outbox.entriesOf(runId))
      .flatMap(({ payload }) => parseNotifyJobs(payload) ?? [])
      .flatMap(({ jobId }) => {
        const at = threadPlace(runId, { id: jobId });
        return at && at.seq < seq ? [{ id: jobId, place: at.place }] : [];
      });
    return places.sort((a, b) => a.place - b.place)[0]?.id;
  };
  return {
    async join(runId, job, place) {
      // A job joins again each time it wakes; the line's lifetime is renewed only when one joins it anew.
      if ((await redis.zadd(lineOf(runId), 'NX', scoreOf(place), job.id ?? job.name)) === 1) await redis.expire(lineOf(runId), LINE_TTL_SECONDS);
    },
    async behind(runId, job, place) {
      const earlier = await redis.zrangebyscore(lineOf(runId), '-inf', `(${scoreOf(place)}`);
      for (const id of earlier) {
        if (id === job.id) continue;
        if (await pending(job, id)) return id;
        await redis.zrem(lineOf(runId), id);
      }
      const self = threadPlace(runId, job);
      // An earlier write's replies that its writer never enqueued (it died between) are not in the line: they
      // wait in the run's outbox for the reconciler, and this reply waits for the first of them.
      const committed = self ? await committedRepliesBefore(runId, self.seq) : undefined;
      if (committed !== undefined) return committed;
      for (let index = 0; self && index < self.index; index++) {
        const sibling = (job.id ?? '').replace(/-\d+$/, `-${index}`);
        if (await pending(job, sibling)) return sibling;
      }
      return undefined;
    },
    async leave(runId, job) {
      await redis.zrem(lineOf(runId), job.id ?? job.name);
    },
  };
}
