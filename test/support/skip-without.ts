import { execFileSync } from 'node:child_process';

/**
 * Whether tests that need a missing tool may skip. On a developer's machine they skip with a warning;
 * in CI (`CI=true`, as `.ci/run` runs) they never do: they run, and `requireTool` fails them with the
 * reason, so a tool that did not install shows up as failures instead of a quieter suite.
 *
 * @param unavailable why the tool cannot be used here, or undefined when it can
 * @param what the tests that need it, for the warning
 */
export function skipWithout(unavailable: string | undefined, what: string): boolean {
  if (unavailable === undefined || process.env.CI === 'true') return false;
  console.warn(`Skipping ${what}: ${unavailable}.`);
  return true;
}

/** Throws the reason a tool is unavailable; call it where the tests first need the tool. */
export function requireTool(unavailable: string | undefined): void {
  if (unavailable !== undefined) throw new Error(`${unavailable} (CI=true never skips a test for a missing tool)`);
}

/** Why `command args` cannot run here, or undefined when it exits 0. */
export function commandUnavailable(command: string, args: readonly string[], install: string): string | undefined {
  try {
    execFileSync(command, args, { stdio: 'ignore' });
    return undefined;
  } catch {
    return `\`${command}\` is not on PATH or does not run (${install})`;
  }
}
