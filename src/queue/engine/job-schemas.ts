import { z } from 'zod';
import { runRef } from '../../run/core/run-ref.js';
import type { Run } from '../../run/core/run-schema.js';
import { runCauseSchema } from '../../run/core/run-reason.js';
import { threadNoteSchema } from '../../run/core/thread-note.js';

/** Jobs cross process boundaries as data: every processor parses its payload with these. */
export const stepJobSchema = z.object({ runId: z.string().min(1), itemId: z.string().min(1) });

/** A `render` job an older version queued (renders are asked of the render queue now); `late`: asked again past the lag bound. */
export const renderJobSchema = z.object({ runId: z.string().min(1), seq: z.number().int().nonnegative(), late: z.boolean().optional() });

/** A thread reply as data; a job an older version queued carries its words (`text`) instead. */
export const threadJobSchema = z.union([
  z.object({ runId: z.string().min(1), note: threadNoteSchema }),
  z.object({ runId: z.string().min(1), text: z.string().min(1) }).transform(({ runId, text }) => ({ runId, note: { kind: 'text' as const, text } })),
]);

export const runJobSchema = z.object({ runId: z.string().min(1) });

/** An emergency deploy's announcement in the environment's audit channel, named when the run was requested. */
export const announceJobSchema = z.object({ runId: z.string().min(1), channel: z.string().min(1) });

/** One announcement per run: a second enqueue collapses, and `postOnce` claims the id against a repeat. */
export function announceJobId(run: Pick<Run, 'id' | 'uid'>): string {
  return `announce-${runRef(run)}`;
}

export const phaseDueJobSchema = z.object({ runId: z.string().min(1), phaseId: z.string().min(1) });

/** `reason`: why the run ended (a string in jobs queued by older versions). */
export const rollbackRequestJobSchema = z.object({ runId: z.string().min(1), reason: runCauseSchema });

/**
 * BullMQ forbids `:` in custom ids; deterministic ids make a duplicate enqueue collapse into one job. They
 * name the run by `runRef`, so a later run given a reused id never collapses into an earlier run's job.
 */
export function stepJobId(run: Pick<Run, 'id' | 'uid'>, itemId: string): string {
  return `step-${runRef(run)}-${itemId}`;
}

/** The deployment summary of a run and its deployment log: one each per run, so a second enqueue collapses. */
export function summaryJobId(run: Pick<Run, 'id' | 'uid'>): string {
  return `summary-${runRef(run)}`;
}

/** `seq`: the transition that ended a follow-up phase, whose results a log posted again brings. */
export function deployLogJobId(run: Pick<Run, 'id' | 'uid'>, seq?: number): string {
  return seq === undefined ? `deploy-log-${runRef(run)}` : `deploy-log-${runRef(run)}-${seq}`;
}

/** `followUp`: the log posted again when a follow-up phase of a succeeded run ended. */
export const deployLogJobSchema = z.object({ runId: z.string().min(1), followUp: z.boolean().optional() });


/** A `job` step's whole log as a file in the thread, once per `request` a person made (a failed Job's is a thread reply's). */
export function jobLogFileJobId(run: Pick<Run, 'id' | 'uid'>, itemId: string, request: string): string {
  return `job-log-file-${runRef(run)}-${itemId}-${request}`;
}

/** `requestedBy`: the user who asked for the log (`/deploy log <run> <item>`); absent when the Job failed. */
export const jobLogFileJobSchema = z.object({ runId: z.string().min(1), itemId: z.string().min(1), requestedBy: z.string().optional() });
