import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { loadResultSchema, type LoadPlan, type LoadResult } from './load-plan.js';

const REPO = resolve(import.meta.dirname, '../..');
const DRIVER = join(import.meta.dirname, 'drive-load.ts');

/**
 * Runs one load phase in a separate driver process and returns what it measured.
 *
 * @throws Error when the driver exits non-zero, or does not finish within the phase plus its request
 *   timeout plus 30 s (it is killed then).
 */
export async function runLoad(plan: LoadPlan): Promise<LoadResult> {
  const dir = mkdtempSync(join(tmpdir(), 'flightdeck-bench-load-'));
  try {
    const planPath = join(dir, 'plan.json');
    const resultPath = join(dir, 'result.json');
    writeFileSync(planPath, JSON.stringify(plan));
    const child = spawn(process.execPath, ['--import', 'tsx', DRIVER, planPath, resultPath], { cwd: REPO, stdio: ['ignore', 'inherit', 'pipe'] });
    let stderr = '';
    child.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const limitMs = plan.durationMs + plan.timeoutMs + 30_000;
    const code = await new Promise<number | null>((done) => {
      const timer = setTimeout(() => child.kill('SIGKILL'), limitMs);
      child.once('exit', (exitCode) => {
        clearTimeout(timer);
        done(exitCode);
      });
    });
    if (code !== 0) throw new Error(`load driver exited with ${code} (limit ${limitMs} ms):\n${stderr}`);
    return loadResultSchema.parse(JSON.parse(readFileSync(resultPath, 'utf8')));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
