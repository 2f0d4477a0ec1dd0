import { z } from 'zod';

/** How far back a dry run replays the guards unless `--replay` says otherwise. */
const DEFAULT_REPLAY_MS = 24 * 3_600_000;

/** A `dry-run` job: who asked for which deploy, and where the answer goes (Slack's response URL of the command). */
export const dryRunJobSchema = z.object({
  service: z.string().min(1),
  environment: z.string().min(1),
  version: z.string().min(1),
  requestedBy: z.string().min(1),
  responseUrl: z.url(),
  /** How far back the guards are replayed; 24 h when a job of an older version has none. */
  replayMs: z.number().int().positive().default(DEFAULT_REPLAY_MS),
});
export type DryRunJob = z.input<typeof dryRunJobSchema>;
