import { z } from 'zod';

/** The most service+environment panels one chart draws; a wider `/deploy stats` says the chart shows the first. */
export const MAX_CHART_PANELS = 6;

const dayCounts = z.array(z.number().int().nonnegative()).min(1).max(366);

/** One service in one environment: deployments and failures per day over the range, oldest first. */
export const statsPanelSchema = z
  .object({ service: z.string().min(1), environment: z.string().min(1), daily: dayCounts, dailyFailures: dayCounts })
  .refine((panel) => panel.daily.length === panel.dailyFailures.length && panel.dailyFailures.every((failed, i) => failed <= panel.daily[i]!), {
    message: 'dailyFailures must count, day by day, no more than the deployments of daily',
  });
export type StatsPanel = z.output<typeof statsPanelSchema>;

/**
 * A `stats-chart` job on the notify queue: the figures `/deploy stats` answered with, as of the command, for a
 * worker to draw and send to the person who asked (a chart is a file, and a file cannot be ephemeral).
 */
export const statsChartJobSchema = z.object({
  requestedBy: z.string().min(1),
  days: z.number().int().positive(),
  panels: z.array(statsPanelSchema).min(1).max(MAX_CHART_PANELS),
});
export type StatsChartJob = z.output<typeof statsChartJobSchema>;
