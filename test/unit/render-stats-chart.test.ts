import { describe, expect, it } from 'vitest';
import { DEPLOYED, FAILED, renderStatsChart } from '../../src/slack/views/render-stats-chart.js';
import { barsIn, readPng } from '../support/read-png.js';

const days = (length: number, counts: Record<number, number>) => Array.from({ length }, (_, i) => counts[i] ?? 0);

describe('the /deploy stats chart', () => {
  it('draws one bar a day with deployments, heights in proportion, failures red at the bottom, oldest on the left', () => {
    const png = readPng(renderStatsChart({ requestedBy: 'U0A', days: 30, panels: [{ service: 'web', environment: 'production', daily: days(30, { 19: 1, 22: 2, 24: 3 }), dailyFailures: days(30, { 22: 1 }) }] }));
    const bars = barsIn(png, { DEPLOYED, FAILED });
    expect(bars).toHaveLength(3);
    const [one, two, three] = bars as [typeof bars[0], typeof bars[0], typeof bars[0]];
    const height = (bar: typeof one) => bar.bottom - bar.top + 1;
    expect(height(three)).toBe(3 * height(one));
    expect(height(two)).toBe(2 * height(one));
    expect(two.rows).toEqual({ DEPLOYED: height(one), FAILED: height(one) });
    expect(one.rows).toEqual({ DEPLOYED: height(one) });
    // All on one baseline, spaced by their days: 19 → 22 → 24.
    expect(new Set(bars.map((bar) => bar.bottom)).size).toBe(1);
    expect((two.left - one.left) / (three.left - two.left)).toBe(3 / 2);
  });

  it('stacks one panel per service and environment, and fits a 90-day range', () => {
    const panel = (service: string, at: number) => ({ service, environment: 'staging', daily: days(90, { [at]: 1 }), dailyFailures: days(90, {}) });
    const png = readPng(renderStatsChart({ requestedBy: 'U0A', days: 90, panels: [panel('api', 0), panel('web', 89)] }));
    const bars = barsIn(png, { DEPLOYED, FAILED });
    expect(bars).toHaveLength(2);
    expect(bars[0]!.bottom).toBeLessThan(bars[1]!.top);
    expect(bars[1]!.left).toBeGreaterThan(bars[0]!.left);
    expect(png.width).toBeLessThanOrEqual(800);
  });
});
