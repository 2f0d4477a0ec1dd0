import { z } from 'zod';
import { fourKeysRunOf, type FourKeysRun } from '../core/four-keys.js';
import { runReasonSchema, type RunReason } from '../core/run-reason.js';
import { runStateSchema, type Run } from '../core/run-schema.js';

/** What history keeps of an ended run once its document expired: one line, a few hundred bytes. */
export const runSummarySchema = z.object({
  id: z.string(),
  kind: z.enum(['deploy', 'rollback']),
  service: z.string(),
  environment: z.string(),
  version: z.string(),
  state: runStateSchema,
  requestedBy: z.string(),
  createdAt: z.number(),
  endedAt: z.number().optional(),
  rollbackOf: z.string().optional(),
  reason: runReasonSchema.optional(),
  /** What the four keys read beyond the fields above; absent in summaries an older release wrote, whose runs are then read whole. */
  keys: z
    .object({ changedCluster: z.boolean(), rollbackRunId: z.string().optional(), firstBreachAt: z.number().optional(), commitAt: z.number().optional() })
    .optional(),
});
export type RunSummary = z.infer<typeof runSummarySchema>;

/** A reason longer than this is cut in the summary: the full text stays in the audit and the thread. */
const REASON_CHARS = 300;

/** The summary of `run`, as the update script stores it when the run ends. */
export function summarizeRun(run: Run): RunSummary {
  const { id, kind, service, environment, version, state, requestedBy, createdAt, endedAt, rollbackOf, reason } = run;
  const { changedCluster, rollbackRunId, firstBreachAt, commitAt } = fourKeysRunOf(run);
  return {
    id,
    kind,
    service,
    environment,
    version,
    state,
    requestedBy,
    createdAt,
    ...(endedAt === undefined ? {} : { endedAt }),
    ...(rollbackOf === undefined ? {} : { rollbackOf }),
    ...(reason === undefined ? {} : { reason: clipReason(reason) }),
    keys: { changedCluster, rollbackRunId, firstBreachAt, commitAt },
  };
}

/** The four keys' facts of the run a summary stands for, or undefined for a summary that does not hold them. */
export function fourKeysRunOfSummary(summary: RunSummary): FourKeysRun | undefined {
  if (summary.keys === undefined) return undefined;
  const { id, kind, state, createdAt, endedAt } = summary;
  return { id, kind, state, createdAt, endedAt, ...summary.keys };
}

/** The reason with its words cut to `REASON_CHARS`; who acted is kept whole. */
function clipReason(reason: RunReason): RunReason {
  if (typeof reason === 'string') return clip(reason);
  switch (reason.kind) {
    case 'aborted':
      return reason.text === undefined ? reason : { ...reason, text: clip(reason.text) };
    case 'rollback-requested':
      return reason;
    case 'undoes':
      return { ...reason, cause: clipReason(reason.cause) as typeof reason.cause };
  }
}

function clip(text: string): string {
  return text.length > REASON_CHARS ? `${text.slice(0, REASON_CHARS - 1)}…` : text;
}
