import { capDurations } from '../checklist/cap-durations.js';
import type { Checklist } from '../checklist/checklist-schema.js';
import { FlightdeckError } from '../errors/flightdeck-error.js';
import { unknownScopeNames } from './api-tokens.js';
import type { Catalog } from './catalog-schema.js';
import { inspectConfig } from './inspect-config.js';
import type { Env } from './load-env.js';

/** Everything flightdeck reads at start-up, validated. */
export interface Config {
  env: Env;
  catalog: Catalog;
  /** Every checklist an environment references, by name (`environments.*.checklist`). */
  checklists: Map<string, Checklist>;
  /** The catalog file read (`env.configPath`). */
  configPath: string;
  /** The folder checklists were read from (`env.checklistDir`). */
  checklistDir: string;
}

/**
 * Loads the catalog and every checklist its environments reference. Checklists nobody references are
 * not read; `flightdeck check` (checkConfig) validates those too. With `CHECKLIST_DURATION_CAP` set, the
 * checklists' waits are capped (see capDurations).
 *
 * @throws FlightdeckError with every problem, one line each (`<file>:<line>:<col> <key.path>: <problem> — <fix>`):
 *   `config-invalid` when the catalog is at fault (including a reference to a missing checklist file, which
 *   points at that environment's `checklist` value), else `checklist-invalid` when a checklist file is; then
 *   `config-invalid` when an API token's scopes name a service or environment the catalog does not have.
 */
export async function loadConfig(env: Env): Promise<Config> {
  const { configPath, checklistDir } = env;
  const inspection = await inspectConfig({ configPath, checklistDir });
  const problems = [...inspection.catalogProblems, ...inspection.checklistProblems];
  if (inspection.catalogProblems.length > 0 || !inspection.catalog) {
    throw new FlightdeckError('config-invalid', problems.join('\n'));
  }
  if (problems.length > 0) throw new FlightdeckError('checklist-invalid', problems.join('\n'));
  const scopeProblems = unknownScopeNames(env.apiTokens, inspection.catalog);
  if (scopeProblems.length > 0) throw new FlightdeckError('config-invalid', scopeProblems.map((problem) => `API_TOKENS: ${problem}`).join('\n'));
  const cap = env.checklistDurationCap;
  const checklists =
    cap === undefined ? inspection.checklists : new Map([...inspection.checklists].map(([name, checklist]) => [name, capDurations(checklist, cap)] as const));
  return { env, catalog: inspection.catalog, checklists, configPath, checklistDir };
}
