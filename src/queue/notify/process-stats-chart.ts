import type { Job } from 'bullmq';
import type { WorkerDeps } from '../engine/worker-deps.js';
import { postOnce } from './notify-once.js';
import { statsChartJobSchema } from './stats-chart-job.js';

/**
 * `stats-chart` jobs on the notify queue: draws the deployments-per-day chart of a `/deploy stats` answer and
 * sends it to the person who asked, at most once per job (the claim of `postOnce`, keyed by the job id).
 */
export function createStatsChartProcessor(deps: Pick<WorkerDeps, 'store' | 'notifier' | 'logger'>) {
  return async (job: Job): Promise<void> => {
    const chart = statsChartJobSchema.parse(job.data);
    const posted = await postOnce(deps.store, job, () => deps.notifier.postStatsChart(chart));
    deps.logger.info({ user: chart.requestedBy, panels: chart.panels.length, posted }, 'stats chart sent');
  };
}
