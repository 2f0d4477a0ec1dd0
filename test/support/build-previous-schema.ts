import { execFileSync, execSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, realpathSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { RUN_SCHEMA_VERSION } from '../../src/run/core/run-schema.js';

const ROOT = resolve(import.meta.dirname, '../..');
const SCHEMA_FILE = 'src/run/core/run-schema.ts';

export interface PreviousBuild {
  /** The commit built: the parent of the one that introduced RUN_SCHEMA_VERSION. */
  commit: string;
  /** Its `dist/src/cli.js`. */
  cli: string;
}

const git = (args: string[]) => execFileSync('git', args, { cwd: ROOT, encoding: 'utf8' }).trim();

/**
 * Builds the flightdeck that wrote the previous run schema version, from this clone's own history: the
 * parent of the commit that set `RUN_SCHEMA_VERSION` to its current value, exported with `git archive`
 * into a temporary directory (reused while it holds a finished build), this checkout's node_modules
 * linked in, and compiled with `tsc -p tsconfig.build.json` as the Dockerfile does. Needs the history
 * (a clone without `--depth`) and nothing from the network.
 *
 * @throws Error when the history lacks that commit, or what it built is not the previous version.
 */
export function buildPreviousSchema(): PreviousBuild {
  const introduced = git(['log', '-1', '--format=%H', `-SRUN_SCHEMA_VERSION = ${RUN_SCHEMA_VERSION};`, '--', SCHEMA_FILE]);
  if (!introduced) {
    throw new Error(`No commit in this clone's history sets RUN_SCHEMA_VERSION = ${RUN_SCHEMA_VERSION} in ${SCHEMA_FILE}; the rolling-upgrade test needs the full history (git fetch --unshallow).`);
  }
  const commit = git(['rev-parse', `${introduced}^`]);
  const dir = join(tmpdir(), `flightdeck-run-schema-${RUN_SCHEMA_VERSION - 1}-${commit.slice(0, 12)}`);
  const cli = join(dir, 'dist/src/cli.js');
  if (!existsSync(cli)) {
    rmSync(dir, { recursive: true, force: true });
    mkdirSync(dir, { recursive: true });
    execSync(`git archive ${commit} | tar -x -C ${JSON.stringify(dir)}`, { cwd: ROOT, stdio: ['ignore', 'ignore', 'inherit'] });
    symlinkSync(realpathSync(join(ROOT, 'node_modules')), join(dir, 'node_modules'));
    execFileSync('npx', ['tsc', '-p', 'tsconfig.build.json'], { cwd: dir, stdio: 'inherit' });
  }
  const schema = readFileSync(join(dir, SCHEMA_FILE), 'utf8');
  if (!schema.includes(`RUN_SCHEMA_VERSION = ${RUN_SCHEMA_VERSION - 1};`)) {
    throw new Error(`${commit} in ${dir} does not write run schema ${RUN_SCHEMA_VERSION - 1}: its ${SCHEMA_FILE} says otherwise.`);
  }
  return { commit, cli };
}
