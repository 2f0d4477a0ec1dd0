import type { Redis } from 'ioredis';
import { z } from 'zod';
import { scanRunDocs } from '../scan-run-docs.js';

// Only the fields the benchmark reports: the full run schema is the engine's business and may grow.
const storedRunSchema = z.object({ id: z.string(), state: z.string(), createdAt: z.number(), endedAt: z.number().optional() });

const TERMINAL = new Set(['succeeded', 'failed', 'rolled-back', 'rollback-failed', 'aborted', 'error']);

/** Runs by state, how many are terminal, and the latest `endedAt` among them. */
export interface RunOutcomes {
  states: Record<string, number>;
  terminal: number;
  lastEndedAt: number | undefined;
}

/**
 * Reads every run document under the prefix.
 *
 * @throws ZodError when a stored run lacks `id`, `state` or `createdAt`.
 */
export async function readRunOutcomes(redis: Redis, prefix: string): Promise<RunOutcomes> {
  const states: Record<string, number> = {};
  let terminal = 0;
  let lastEndedAt: number | undefined;
  for (const raw of await scanRunDocs(redis, prefix)) {
    const run = storedRunSchema.parse(JSON.parse(raw));
    states[run.state] = (states[run.state] ?? 0) + 1;
    if (!TERMINAL.has(run.state)) continue;
    terminal += 1;
    if (run.endedAt !== undefined) lastEndedAt = Math.max(lastEndedAt ?? 0, run.endedAt);
  }
  return { states, terminal, lastEndedAt };
}
