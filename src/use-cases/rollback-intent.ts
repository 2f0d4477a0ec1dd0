import { z } from 'zod';

/**
 * What a rollback request asks for, from the moment it is typed (or clicked) to its confirmation: the
 * confirm dialog carries it as `private_metadata`, so it is parsed again when the dialog comes back.
 */
export const rollbackIntentSchema = z.object({
  service: z.string().min(1),
  environment: z.string().min(1),
  toRevision: z.string().regex(/^\d+$/).optional(),
  /** The run to undo; absent to roll back the service as it stands. */
  runId: z.string().min(1).optional(),
  channel: z.string(),
});
export type RollbackIntent = z.infer<typeof rollbackIntentSchema>;
