import type { FourKeys } from '../run/core/four-keys.js';
import { MAX_CHART_PANELS } from '../queue/notify/stats-chart-job.js';
import type { UseCaseServices } from './use-case-services.js';

/** How many panels a chart draws of how many service+environments had deployments. */
export interface ChartRequested {
  charted: number;
  withDeployments: number;
}

/**
 * Asks a worker to draw the deployments-per-day chart of a `/deploy stats` answer and send it to the person
 * who asked: one panel per service+environment that had deployments (the first MAX_CHART_PANELS of them), from
 * the figures the answer was worded from, so chart and text agree. Only Redis is touched (one job). Undefined,
 * and nothing queued, when nothing was deployed in the range: there is nothing to draw.
 */
export async function requestStatsChart(
  request: { requestedBy: string; days: number; keys: readonly { service: string; environment: string; keys: FourKeys }[] },
  services: Pick<UseCaseServices, 'engine'>,
): Promise<ChartRequested | undefined> {
  const deployed = request.keys.filter((entry) => entry.keys.deployments > 0);
  if (deployed.length === 0) return undefined;
  const panels = deployed.slice(0, MAX_CHART_PANELS).map(({ service, environment, keys }) => ({ service, environment, daily: keys.daily, dailyFailures: keys.dailyFailures }));
  await services.engine.requestStatsChart({ requestedBy: request.requestedBy, days: request.days, panels });
  return { charted: panels.length, withDeployments: deployed.length };
}
