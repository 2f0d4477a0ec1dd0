import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { z } from 'zod';

const statsSchema = z.object({ count: z.number(), p50: z.number(), p90: z.number(), p99: z.number(), max: z.number() });
const resultSchema = z.object({
  runs: z.number(),
  intervalMs: z.number(),
  forMs: z.number(),
  windowEndToPatchMs: statsSchema,
  breachToPatchMs: statsSchema,
});
export type BreachToRollbackResult = z.infer<typeof resultSchema>;

/**
 * Runs `bench/breach-to-rollback.ts` in its own process (it starts its own workers and emulators) and reads
 * the JSON it prints last.
 *
 * @throws Error with the child's output when it fails or prints no result.
 */
export function measureBreachToRollback(o: { runs: number; repo: string; log: (line: string) => void }): BreachToRollbackResult {
  o.log(`breach to rollback: ${o.runs} runs`);
  const child = spawnSync(process.execPath, ['--import', 'tsx', join(o.repo, 'bench/breach-to-rollback.ts'), '--runs', String(o.runs)], {
    cwd: o.repo,
    encoding: 'utf8',
    timeout: 20 * 60_000,
  });
  const output = child.stdout ?? '';
  const start = output.lastIndexOf('{\n  "runs"');
  if (child.status !== 0 || start < 0) {
    throw new Error(`breach-to-rollback failed (exit ${child.status}):\n${output}\n${child.stderr ?? ''}`);
  }
  return resultSchema.parse(JSON.parse(output.slice(start)));
}
