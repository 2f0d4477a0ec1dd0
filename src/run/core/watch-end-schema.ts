import { z } from 'zod';

/** How the day-after watch ended: its window passed, a newer run of the target began, the run was rolled back, or a guard rolled it back. */
export const watchEndSchema = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('expired') }),
  z.object({ kind: z.literal('superseded'), runId: z.string() }),
  z.object({ kind: z.literal('rolled-back') }),
  z.object({ kind: z.literal('breached'), guardId: z.string() }),
]);
export type WatchEnd = z.infer<typeof watchEndSchema>;
