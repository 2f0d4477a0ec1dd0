import { z } from 'zod';
import { runCauseSchema, runReasonSchema } from './run-reason.js';
import { watchEndSchema } from './watch-end-schema.js';

/**
 * What a run tells its thread, as data: src/slack/views words it. Notes cross the queue in thread jobs,
 * so the schema parses them at that boundary.
 */
export const threadNoteSchema = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('phase-completed'), phaseTitle: z.string(), followUp: z.boolean() }),
  z.object({ kind: z.literal('run-succeeded'), runId: z.string(), image: z.string(), environment: z.string() }),
  z.object({ kind: z.literal('run-ended'), runId: z.string(), state: z.enum(['failed', 'error', 'aborted']), reason: runCauseSchema }),
  z.object({ kind: z.literal('paused'), actor: z.string(), reason: z.string().optional() }),
  z.object({ kind: z.literal('resumed'), actor: z.string(), pausedAt: z.number() }),
  /** `watch`: during the day-after watch of a succeeded run. `held`: a rollback breach of a run whose irreversible Jobs ran: it holds instead of rolling back. */
  z.object({ kind: z.literal('guard-breached'), guardTitle: z.string(), detail: z.string(), action: z.enum(['rollback', 'page', 'notify']), watch: z.boolean().optional(), held: z.boolean().optional() }),
  z.object({ kind: z.literal('follow-up-failed'), phaseTitle: z.string(), reason: z.string() }),
  z.object({ kind: z.literal('follow-up-due'), runId: z.string(), phaseTitle: z.string(), items: z.number().int().nonnegative() }),
  z.object({ kind: z.literal('step-failed'), itemTitle: z.string(), reason: z.string() }),
  /**
   * Part `part` of `parts` of a Job's log, in the order of the log; with `tail`, only its last lines; with
   * `firstLine`, lines the running Job wrote since the last reply, the first being line `firstLine` (1-based).
   */
  z.object({
    kind: z.literal('job-log'),
    itemTitle: z.string(),
    jobName: z.string(),
    podName: z.string().optional(),
    lines: z.array(z.string()),
    part: z.number().int().positive(),
    parts: z.number().int().positive(),
    tail: z.boolean().optional(),
    firstLine: z.number().int().positive().optional(),
  }),
  /** A Job's whole log could not be posted as a file (its pod is gone, or the log cannot be read). */
  z.object({ kind: z.literal('job-log-unavailable'), itemTitle: z.string(), jobName: z.string(), why: z.string() }),
  z.object({ kind: z.literal('rollback-started'), rollbackRunId: z.string(), actor: z.string() }),
  /** A failed run not rolled back automatically: these Jobs of it ran and cannot be undone (job-reverts.ts). */
  z.object({ kind: z.literal('rollback-held'), runId: z.string(), irreversible: z.array(z.string()) }),
  /** A person decided to keep a held run's image. */
  z.object({ kind: z.literal('hold-kept'), actor: z.string() }),
  /** What the hold did to traffic (canary weights, blue-green switch back). */
  z.object({ kind: z.literal('hold-traffic'), detail: z.string() }),
  /** `reason`: why the rollback run ended, when it did not succeed. */
  z.object({ kind: z.literal('rollback-finished'), ok: z.boolean(), detail: z.string(), reason: runReasonSchema.optional() }),
  /** The run succeeded and guards with `watchFor` keep watching it until `until`. */
  z.object({ kind: z.literal('watch-started'), until: z.number(), guards: z.array(z.string()) }),
  z.object({ kind: z.literal('watch-ended'), end: watchEndSchema }),
  /** A reply an older flightdeck worded before queueing it (thread jobs left in the queue across an upgrade). */
  z.object({ kind: z.literal('text'), text: z.string().min(1) }),
]);
export type ThreadNote = z.infer<typeof threadNoteSchema>;
