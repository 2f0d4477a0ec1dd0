import { spawn, execFileSync } from 'node:child_process';
import { closeSync, mkdtempSync, openSync, readSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const CHILD = fileURLToPath(new URL('../support/log-lines-child.ts', import.meta.url));
const LINES = 300;
/** Under the 4 KiB a pipe keeps together, with the line's other fields. */
const LINE_BYTES = 3000;

/**
 * Runs two logging processes on one stdout pipe, as role `all` runs its worker, and reads it slowly, a few KiB at
 * a time as a busy log collector might, so both find it full and wait on it. Returns every line read.
 */
async function twoWritersOnOnePipe(shared: boolean): Promise<string[]> {
  const dir = mkdtempSync(join(tmpdir(), 'flightdeck-log-pipe-'));
  const fifo = join(dir, 'stdout');
  execFileSync('mkfifo', [fifo]);
  const child = (tag: string) => `'${process.execPath}' --import tsx '${CHILD}' ${tag} ${LINES} ${LINE_BYTES} ${shared ? 1 : 0}`;
  const both = spawn('sh', ['-c', `(${child('a')} & ${child('b')}; wait) > '${fifo}'`], { stdio: ['ignore', 'ignore', 'inherit'] });
  const exited = new Promise<number | null>((resolve) => both.on('close', resolve));
  // Opening blocks until the shell opens the other end, which it does at once.
  const fd = openSync(fifo, 'r');
  const chunk = Buffer.alloc(3000);
  const read: Buffer[] = [];
  for (let got = readSync(fd, chunk); got > 0; got = readSync(fd, chunk)) {
    read.push(Buffer.from(chunk.subarray(0, got)));
    await new Promise((resolve) => setTimeout(resolve, 1));
  }
  closeSync(fd);
  rmSync(dir, { recursive: true });
  expect(await exited).toBe(0);
  return Buffer.concat(read).toString('utf8').split('\n').filter((line) => line !== '');
}

describe('flightdeck’s logger on a stdout two processes share', () => {
  it('writes every line whole while the pipe is full: each reads back as JSON, and each process’s lines all arrive', async () => {
    const lines = await twoWritersOnOnePipe(true);
    const torn = lines.filter((line) => {
      try {
        JSON.parse(line);
        return false;
      } catch {
        return true;
      }
    });
    expect(torn.map((line) => line.slice(0, 60))).toEqual([]);
    const seen = lines.map((line) => JSON.parse(line) as { tag: string; i: number });
    for (const tag of ['a', 'b']) expect(seen.filter((line) => line.tag === tag).map((line) => line.i)).toEqual([...Array(LINES).keys()]);
  }, 60_000);
});
