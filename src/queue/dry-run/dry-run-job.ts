import { z } from 'zod';

/** How far back a dry run replays the guards unless `--replay` says otherwise. */
const DEFAULT_REPLAY_MS = 24 * 3_600_000;

/**
 * A `dry-run` job: who asked for which deploy, and where the answer goes: the command's response URL, or
 * (from the `/deploy` modal, whose submission has none) an ephemeral message to the requester in a channel.
 */
export const dryRunJobSchema = z
  .object({
    service: z.string().min(1),
    environment: z.string().min(1),
    version: z.string().min(1),
    requestedBy: z.string().min(1),
    responseUrl: z.url().optional(),
    /** The channel the requester sees the ephemeral answer in; jobs of an older version have a response URL instead. */
    ephemeralIn: z.string().min(1).optional(),
    /** How far back the guards are replayed; 24 h when a job of an older version has none. */
    replayMs: z.number().int().positive().default(DEFAULT_REPLAY_MS),
  })
  .refine((job) => (job.responseUrl === undefined) !== (job.ephemeralIn === undefined), { message: 'a dry-run job answers at exactly one of responseUrl or ephemeralIn' });
export type DryRunJob = z.input<typeof dryRunJobSchema>;

/** Where a dry run's answer goes, only the requester seeing it. */
export type DryRunAnswerTo = { responseUrl: string } | { channel: string; user: string };

/** The answer's destination named by a parsed job. */
export function answerToOf(job: z.output<typeof dryRunJobSchema>): DryRunAnswerTo {
  return job.responseUrl !== undefined ? { responseUrl: job.responseUrl } : { channel: job.ephemeralIn!, user: job.requestedBy };
}
