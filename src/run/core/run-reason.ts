import { z } from 'zod';

/*
 * Why a run ended (or, on a rollback run, why it was started), as data: who acted is a user id, what they
 * typed is their text unescaped. src/format/word-run-reason.ts words it for Slack; `plainRunReason` for the
 * audit stream and PagerDuty, which show no mentions.
 *
 * A plain string is the form for reasons flightdeck words itself (a step's failure, a breached guard), and
 * the only form older flightdecks stored: those documents hold Slack mrkdwn and are shown as they are.
 */

const abortedSchema = z.object({ kind: z.literal('aborted'), by: z.string(), text: z.string().optional() });

/** What made a run end or a rollback start, before an automatic rollback wraps it (`undoes`). */
export const runCauseSchema = z.union([z.string(), abortedSchema, z.object({ kind: z.literal('rollback-requested'), by: z.string() })]);

export const runReasonSchema = z.union([
  runCauseSchema,
  /** On a rollback run flightdeck started itself: the run it undoes and why that run ended. */
  z.object({ kind: z.literal('undoes'), runId: z.string(), cause: runCauseSchema }),
]);
export type RunReason = z.infer<typeof runReasonSchema>;
export type RunCause = z.infer<typeof runCauseSchema>;

/** The reason with people named by their user id: for the audit stream and PagerDuty. */
export function plainRunReason(reason: RunReason): string {
  if (typeof reason === 'string') return reason;
  switch (reason.kind) {
    case 'aborted':
      return `aborted by ${reason.by}${reason.text ? `: ${reason.text}` : ''}`;
    case 'rollback-requested':
      return `rollback requested by ${reason.by}`;
    case 'undoes':
      return `run #${reason.runId} ${plainRunReason(reason.cause)}`;
  }
}
