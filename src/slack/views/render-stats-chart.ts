import { encodePng } from '../../format/png/encode-png.js';
import { GLYPH_HEIGHT, textWidth } from '../../format/png/pixel-font.js';
import { Raster, type Rgb } from '../../format/png/raster.js';
import type { StatsChartJob, StatsPanel } from '../../queue/notify/stats-chart-job.js';

const WHITE: Rgb = [255, 255, 255];
const INK: Rgb = [40, 40, 40];
const MUTED: Rgb = [120, 120, 120];
const AXIS: Rgb = [190, 190, 190];
/** A day's deployments that held. */
export const DEPLOYED: Rgb = [54, 123, 222];
/** A day's deployments that failed or were rolled back: the bottom of its bar. */
export const FAILED: Rgb = [214, 48, 49];

const TEXT_SCALE = 2;
const LINE = GLYPH_HEIGHT * TEXT_SCALE;
const PAD = 12;
const Y_LABELS = 48;
const PLOT_HEIGHT = 120;
const PLOT_WIDTH = 600;
const HEADER = PAD + LINE + PAD;
const PANEL = PAD + LINE + PAD + PLOT_HEIGHT + 1 + 6 + LINE + PAD;

/** Bar pitch: a range of any length spreads over about PLOT_WIDTH pixels (90 days: 6 px), a bar never narrower than 2. */
function slotOf(days: number): number {
  return Math.max(3, Math.min(20, Math.floor(PLOT_WIDTH / days)));
}

/**
 * Pixels a count stands for: a whole number of pixels per deployment while the busiest day fits the plot, so
 * a day of 3 is exactly three times a day of 1; past that, proportional.
 */
function heightOf(count: number, busiest: number): number {
  if (busiest <= PLOT_HEIGHT) return count * Math.floor(PLOT_HEIGHT / Math.max(1, busiest));
  return Math.round((count * PLOT_HEIGHT) / busiest);
}

function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? '' : 's'}`;
}

function titleOf(panel: StatsPanel): string {
  const deployments = panel.daily.reduce((sum, n) => sum + n, 0);
  const failures = panel.dailyFailures.reduce((sum, n) => sum + n, 0);
  return `${panel.service} in ${panel.environment}: ${plural(deployments, 'deployment')}, ${failures} failed`;
}

function drawPanel(raster: Raster, panel: StatsPanel, top: number, days: number): void {
  const slot = slotOf(days);
  const bar = slot - Math.max(1, Math.floor(slot / 4));
  raster.drawText(PAD, top + PAD, titleOf(panel), INK, TEXT_SCALE);
  const plotTop = top + PAD + LINE + PAD;
  const baseline = plotTop + PLOT_HEIGHT;
  const busiest = Math.max(1, ...panel.daily);
  const width = panel.daily.length * slot;
  raster.drawText(Y_LABELS - PAD - textWidth(String(busiest), TEXT_SCALE), baseline - heightOf(busiest, busiest), String(busiest), MUTED, TEXT_SCALE);
  raster.drawText(Y_LABELS - PAD - textWidth('0', TEXT_SCALE), baseline - LINE, '0', MUTED, TEXT_SCALE);
  panel.daily.forEach((count, day) => {
    if (count === 0) return;
    const x = Y_LABELS + day * slot;
    const total = heightOf(count, busiest);
    const failed = heightOf(panel.dailyFailures[day] ?? 0, busiest);
    raster.fillRect(x, baseline - total, bar, total - failed, DEPLOYED);
    raster.fillRect(x, baseline - failed, bar, failed, FAILED);
  });
  raster.fillRect(Y_LABELS, baseline, width, 1, AXIS);
  const labelTop = baseline + 1 + 6;
  raster.drawText(Y_LABELS, labelTop, `${days} days ago`, MUTED, TEXT_SCALE);
  raster.drawText(Y_LABELS + width - textWidth('today', TEXT_SCALE), labelTop, 'today', MUTED, TEXT_SCALE);
}

/** The chart's size: wide enough for the bars and the longest line of text. Pure. */
function sizeOf(chart: StatsChartJob, header: string): { width: number; height: number } {
  const titles = chart.panels.map((panel) => PAD + textWidth(titleOf(panel), TEXT_SCALE) + PAD);
  const bars = Y_LABELS + chart.days * slotOf(chart.days) + PAD;
  return { width: Math.max(bars, PAD + textWidth(header, TEXT_SCALE) + PAD, ...titles), height: HEADER + chart.panels.length * PANEL };
}

/**
 * The `/deploy stats` chart as a PNG: one panel per service and environment, deployments per day as bars
 * (oldest on the left, all on one baseline), the failed or rolled-back part of a day red at the bottom of its
 * bar; a header with the range and the legend in words. Drawn in a pixel font, no browser. Pure.
 */
export function renderStatsChart(chart: StatsChartJob): Buffer {
  const header = `deployments per day, last ${plural(chart.days, 'day')}: blue held, red failed`;
  const { width, height } = sizeOf(chart, header);
  const raster = new Raster(width, height, WHITE);
  raster.drawText(PAD, PAD, header, INK, TEXT_SCALE);
  for (const [i, panel] of chart.panels.entries()) drawPanel(raster, panel, HEADER + i * PANEL, chart.days);
  return encodePng(raster);
}
