import { existsSync, renameSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';

const PRELOAD = join(import.meta.dirname, '../many-runs/record-cpu-profile.mjs');

/** Environment that makes a flightdeck process profile itself and write the profile to `file` on each SIGUSR2. */
export function profilingEnv(file: string): Record<string, string> {
  return { NODE_OPTIONS: `--import=${PRELOAD}`, FLIGHTDECK_CPU_PROFILE: file };
}

/**
 * Ends the current profile window of `pid` (started by {@link profilingEnv}): signals it, waits up to 30 s for
 * `file` to be written completely, then moves it to `destination`, or deletes it when there is none (the
 * time between two measured windows). Resolves to where the profile is; undefined when none was written.
 */
export async function cutProfile(pid: number, file: string, destination?: string): Promise<string | undefined> {
  rmSync(file, { force: true });
  process.kill(pid, 'SIGUSR2');
  const until = Date.now() + 30_000;
  let size = -1;
  while (Date.now() < until) {
    await new Promise((settle) => setTimeout(settle, 250));
    const now = existsSync(file) ? statSync(file).size : -1;
    if (now > 0 && now === size) {
      if (!destination) {
        rmSync(file, { force: true });
        return undefined;
      }
      renameSync(file, destination);
      return destination;
    }
    size = now;
  }
  return undefined;
}
