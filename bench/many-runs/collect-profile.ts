import { existsSync, statSync } from 'node:fs';

/** Asks the preloaded profiler (record-cpu-profile.mjs) of `pid` to write its profile and waits up to 30 s for the file. */
export async function collectProfile(pid: number, path: string): Promise<string | undefined> {
  process.kill(pid, 'SIGUSR2');
  const until = Date.now() + 30_000;
  let size = -1;
  while (Date.now() < until) {
    await new Promise((r) => setTimeout(r, 250));
    const now = existsSync(path) ? statSync(path).size : -1;
    if (now > 0 && now === size) return path;
    size = now;
  }
  return undefined;
}
