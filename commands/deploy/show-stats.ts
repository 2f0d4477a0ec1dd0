import type { CommandServices } from '../command-definition.js';
import { resolveTarget } from '../../src/config/resolve-target.js';
import { formatDuration } from '../../src/format/format-duration.js';
import type { FourKeys } from '../../src/run/core/four-keys.js';
import { readFourKeys } from '../../src/run/store/read-four-keys.js';
import { unknownService } from './show-status.js';

/** The four keys of one service in one environment. */
export interface ServiceKeys {
  service: string;
  environment: string;
  keys: FourKeys;
}

const BARS = '▁▂▃▄▅▆▇█';

/** Deployments per day as block characters, tallest = busiest day; a day without any is `·`, never a bar. Pure. */
export function dailyBars(daily: readonly number[]): string {
  const most = Math.max(0, ...daily);
  return daily.map((count) => (count === 0 ? '·' : BARS[Math.min(BARS.length - 1, Math.ceil((count / most) * BARS.length) - 1)])).join('');
}

function percent(rate: number): string {
  return `${Math.round(rate * 100)}%`;
}

/** One service+environment's keys, in words, with its deployments-per-day bars. Pure. */
export function formatKeys({ service, environment, keys }: ServiceKeys): string {
  const head = `*${service}* in *${environment}*`;
  if (keys.deployments === 0) return `${head}: no deployments.`;
  const frequency = `${keys.deployments} deployment${keys.deployments === 1 ? '' : 's'} (${keys.perDay >= 0.1 ? keys.perDay.toFixed(1) : keys.perDay.toFixed(2)} a day)`;
  const failure = `change failure rate ${percent(keys.changeFailureRate ?? 0)} (${keys.failures} of ${keys.deployments})`;
  const open = keys.failures - keys.restored;
  const restore =
    keys.timeToRestoreMs === undefined
      ? keys.failures === 0
        ? 'time to restore: nothing to restore'
        : `time to restore unknown (${open} not restored yet)`
      : `time to restore ${formatDuration(keys.timeToRestoreMs)} (median of ${keys.restored}${open > 0 ? `; ${open} not restored yet` : ''})`;
  const lead = keys.leadTimeMs === undefined ? 'lead time unknown (no commit times recorded)' : `lead time ${formatDuration(keys.leadTimeMs)} (median)`;
  return `${head}: ${frequency} · ${failure} · ${restore} · ${lead}\n\`${dailyBars(keys.daily)}\``;
}

/** The reply to `/deploy stats`: the range, then each service+environment. Pure. */
export function formatStats(days: number, all: readonly ServiceKeys[]): string {
  const header = `*The four keys, last ${days} day${days === 1 ? '' : 's'}* (bars: deployments per day, oldest first)`;
  if (all.length === 0) return `${header}\nNo service deploys there.`;
  return [header, ...all.map(formatKeys)].join('\n');
}

/** The line that says a chart follows, and of what when it could not draw them all. Pure. */
export function formatChartNote(chart: { charted: number; withDeployments: number }): string {
  const which = chart.charted < chart.withDeployments ? ` of the first ${chart.charted} with deployments` : '';
  return `A chart${which} follows in a direct message.`;
}

/**
 * `/deploy stats [service] [environment] [--days N]`: the four keys of each named (or every) service in each
 * named (or every) environment it deploys to, worded, and the figures they were worded from. Open to anyone,
 * like status and history.
 *
 * @throws FlightdeckError `unknown-service`, `unknown-environment`, `environment-not-allowed` listing the valid names.
 */
export async function showStats(
  request: { service?: string | undefined; environment?: string | undefined; days: number },
  services: CommandServices,
): Promise<{ text: string; all: ServiceKeys[] }> {
  const { catalog } = services.config;
  const { service, environment, days } = request;
  if (service !== undefined && !Object.hasOwn(catalog.services, service)) throw unknownService(service, Object.keys(catalog.services));
  if (service !== undefined && environment !== undefined) resolveTarget(catalog, service, environment);
  const pairs = Object.entries(catalog.services)
    .filter(([name]) => service === undefined || name === service)
    .flatMap(([name, entry]) => entry.environments.filter((env) => environment === undefined || env === environment).map((env) => ({ service: name, environment: env })));
  const now = services.now();
  const all = await Promise.all(pairs.map(async (pair) => ({ ...pair, keys: await readFourKeys(services.store, pair.service, pair.environment, now, days) })));
  return { text: formatStats(days, all), all };
}
