import type { Queues } from '../engine/create-queues.js';

export const GUARDS_EVALUATE_JOB = 'guards-evaluate';
/** On the followups queue, delayed until the day-after watch's window ends. */
export const WATCH_END_JOB = 'watch-end';

function schedulerId(runId: string): string {
  return `guards-${runId}`;
}

/** The BullMQ job scheduler that evaluates a run's guards every `everyMs`. */
export const guardScheduler = {
  /** Creates the scheduler, or leaves an existing one as it is (its cadence does not change within a run). */
  async ensure(queues: Queues, runId: string, everyMs: number): Promise<boolean> {
    if (await queues.guards.getJobScheduler(schedulerId(runId))) return false;
    await queues.guards.upsertJobScheduler(
      schedulerId(runId),
      { every: everyMs },
      // One attempt: a failed evaluation is simply followed by the next one.
      { name: GUARDS_EVALUATE_JOB, data: { runId }, opts: { attempts: 1, removeOnComplete: true, removeOnFail: true } },
    );
    return true;
  },
  async remove(queues: Queues, runId: string): Promise<void> {
    await queues.guards.removeJobScheduler(schedulerId(runId));
  },
  async exists(queues: Queues, runId: string): Promise<boolean> {
    return (await queues.guards.getJobScheduler(schedulerId(runId))) !== undefined;
  },
};
