import { access } from 'node:fs/promises';
import { inspectConfig } from './inspect-config.js';

export interface CheckConfigOptions {
  /** The catalog file; a missing file is reported as a problem, except when `files` are named. */
  configPath: string;
  /** The checklist folder; a missing folder is reported as a problem. */
  checklistDir: string;
  /**
   * Checklist files to validate. Default: every `*.yaml`/`*.yml` in `checklistDir`. The checklists the
   * catalog references are always validated too, so a clean check means start-up will accept the config.
   */
  files?: string[] | undefined;
}

/**
 * Validates the catalog, the checklists and the references between them, for `flightdeck check`.
 * Returns every problem at once, one line each (`<file>:<line>:<col> <key.path>: <problem> — <fix>`);
 * an empty array means the config is fine. Never throws for bad config.
 */
export async function checkConfig(options: CheckConfigOptions): Promise<string[]> {
  const inspection = await inspectConfig({
    configPath: options.configPath,
    checklistDir: options.checklistDir,
    scanDir: options.files === undefined,
    files: options.files ?? [],
  });
  // `check <file>` on a machine without a catalog (e.g. right after import-checklist) checks just the files.
  const standalone = options.files !== undefined && (await access(options.configPath).then(() => false, () => true));
  return standalone ? inspection.checklistProblems : [...inspection.catalogProblems, ...inspection.checklistProblems];
}
