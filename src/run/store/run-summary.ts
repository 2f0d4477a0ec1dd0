import { z } from 'zod';
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
  reason: z.string().optional(),
});
export type RunSummary = z.infer<typeof runSummarySchema>;

/** A reason longer than this is cut in the summary: the full text stays in the audit and the thread. */
const REASON_CHARS = 300;

/** The summary of `run`, as the update script stores it when the run ends. */
export function summarizeRun(run: Run): RunSummary {
  const { id, kind, service, environment, version, state, requestedBy, createdAt, endedAt, rollbackOf, reason } = run;
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
    ...(reason === undefined ? {} : { reason: reason.length > REASON_CHARS ? `${reason.slice(0, REASON_CHARS - 1)}…` : reason }),
  };
}
