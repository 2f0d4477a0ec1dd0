import { z } from 'zod';
import { runRef } from '../../run/core/run-ref.js';
import type { Effect } from '../../run/core/run-event.js';
import type { Run } from '../../run/core/run-schema.js';

/** A notify job as the engine enqueues it and a run's outbox keeps it. */
export interface NotifyJob {
  name: string;
  data: Record<string, unknown>;
  jobId: string;
}

const notifyJobsSchema = z.array(z.object({ name: z.string().min(1), data: z.record(z.string(), z.unknown()), jobId: z.string().min(1) }));

/** What a run's outbox holds for one write, read back by the reconciler; undefined when it is not that. */
export function parseNotifyJobs(text: string): NotifyJob[] | undefined {
  try {
    return notifyJobsSchema.parse(JSON.parse(text));
  } catch {
    return undefined;
  }
}

/**
 * The notify job of an effect that nothing but its write asks for (a thread reply, a guard's alert), or
 * undefined: steps, checks, renders, rollbacks and summaries are asked for again from the run's state by the
 * reconciler, these are not. `index` is the effect's place among its transition's: a reply's place in the thread.
 * Ids carry the run's seq: the same transition enqueued twice collapses, a later one is new work.
 */
export function notifyJobOf(run: Run, effect: Effect, index: number): NotifyJob | undefined {
  const at = `${runRef(run)}-${run.seq}`;
  switch (effect.type) {
    case 'page':
    case 'notify':
      return { name: 'alert', data: { runId: run.id, guardId: effect.guardId, action: effect.type, detail: effect.detail }, jobId: `alert-${at}-${effect.guardId}` };
    case 'thread':
      return { name: 'thread', data: { runId: run.id, note: effect.note }, jobId: `thread-${at}-${index}` };
    case 'job-log-file':
      // Named as a thread reply: it takes its place among the run's replies, after the failure it belongs to.
      return { name: 'job-log-file', data: { runId: run.id, itemId: effect.itemId }, jobId: `thread-${at}-${index}` };
    default:
      return undefined;
  }
}

/** The notify jobs of a transition's effects that its run's outbox keeps until they are enqueued. */
export function notifyJobsOf(run: Run, effects: readonly Effect[]): NotifyJob[] {
  return effects.flatMap((effect, index) => notifyJobOf(run, effect, index) ?? []);
}

/** What a write keeps in its run's outbox (UpdateOptions.outbox): its notify jobs as JSON, undefined when none. */
export function outboxPayloadOf(run: Run, effects: readonly Effect[]): string | undefined {
  const jobs = notifyJobsOf(run, effects);
  return jobs.length > 0 ? JSON.stringify(jobs) : undefined;
}
