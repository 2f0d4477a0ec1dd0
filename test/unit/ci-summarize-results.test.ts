import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';

const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

/** Runs .ci/summarize-results.mjs on one vitest JSON report, with an empty list of allowed skips. */
function summarize(report: object): { status: number | null; stdout: string } {
  const dir = mkdtempSync(join(tmpdir(), 'summarize-'));
  dirs.push(dir);
  writeFileSync(join(dir, 'allowed-skips'), '');
  writeFileSync(join(dir, 'report.json'), JSON.stringify(report));
  const run = spawnSync(process.execPath, ['.ci/summarize-results.mjs', join(dir, 'allowed-skips'), join(dir, 'report.json')], { encoding: 'utf8' });
  return { status: run.status, stdout: run.stdout };
}

describe('.ci/summarize-results.mjs', () => {
  it('prints each failure with the start of its message, then the closing line last', () => {
    const { status, stdout } = summarize({
      testResults: [
        {
          name: '/repo/test/a.test.ts',
          status: 'failed',
          assertionResults: [
            { fullName: 'a waits for b', status: 'failed', failureMessages: ['Error: Timed out after 60000 ms waiting for b; chat.update so far [10 ms: 500]\n    at a.test.ts:9:5'] },
            { fullName: 'a does c', status: 'passed' },
          ],
        },
        { name: '/repo/test/b.test.ts', status: 'failed', message: 'Error: beforeAll threw: no Redis', assertionResults: [] },
      ],
    });
    expect(status).toBe(1);
    const lines = stdout.trimEnd().split('\n');
    expect(lines.at(-1)).toBe('1 passed, 2 failed, 0 skipped');
    expect(stdout).toContain('FAILED /repo/test/a.test.ts: a waits for b\nError: Timed out after 60000 ms waiting for b; chat.update so far [10 ms: 500]\n    at a.test.ts:9:5');
    expect(stdout).toContain('FAILED /repo/test/b.test.ts\nError: beforeAll threw: no Redis');
  });

  it('prints only the closing line when everything passed', () => {
    const { status, stdout } = summarize({ testResults: [{ name: '/repo/test/a.test.ts', status: 'passed', assertionResults: [{ fullName: 'a', status: 'passed' }] }] });
    expect(status).toBe(0);
    expect(stdout).toBe('1 passed, 0 failed, 0 skipped\n');
  });
});
