import type { CommandServices } from '../command-definition.js';
import { resolveTarget } from '../../src/config/resolve-target.js';
import type { RunSummary } from '../../src/run/store/run-summary.js';
import { historyLine } from './describe-run.js';
import { unknownService } from './show-status.js';

/** How many runs `/deploy history` shows. */
export const HISTORY_LIMIT = 10;

/** The runs newest first, one line each; a fixed sentence when there are none. Pure. */
export function formatHistory(service: string, environment: string | undefined, runs: readonly RunSummary[], now: number): string {
  const where = environment ? ` in ${environment}` : '';
  if (runs.length === 0) return `*${service}*${where} has no runs yet.`;
  return `*${service}*${where}: the last ${runs.length === 1 ? 'run' : `${runs.length} runs`}, newest first\n${runs.map((run) => `• ${historyLine(run, now)}`).join('\n')}`;
}

/**
 * `/deploy history <service> [environment]`: the last runs of one environment, or of all the service's
 * environments merged, newest first; runs past RUN_RETENTION_DAYS are shown from their summaries.
 *
 * @throws FlightdeckError `unknown-service`, `unknown-environment`, `environment-not-allowed` listing the valid names.
 */
export async function showHistory(service: string, environment: string | undefined, services: CommandServices): Promise<string> {
  const { catalog } = services.config;
  const entry = Object.hasOwn(catalog.services, service) ? catalog.services[service] : undefined;
  if (!entry) throw unknownService(service, Object.keys(catalog.services));
  if (environment !== undefined) resolveTarget(catalog, service, environment);
  const environments = environment === undefined ? entry.environments : [environment];
  const runs = (await Promise.all(environments.map((env) => services.store.historySummaries(service, env, HISTORY_LIMIT))))
    .flat()
    .sort((a, b) => b.createdAt - a.createdAt || Number(b.id) - Number(a.id))
    .slice(0, HISTORY_LIMIT);
  return formatHistory(service, environment, runs, services.now());
}
