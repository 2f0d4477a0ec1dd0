import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { createMetrics } from '../../src/observability/create-metrics.js';
import { CHART_DIR } from './render-chart.js';

type Dashboard = { panels: Array<{ title: string; targets: Array<{ expr: string }> }> };

const dashboard = JSON.parse(readFileSync(resolve(CHART_DIR, 'files/dashboard.json'), 'utf8')) as Dashboard;
const alertExprs = (parse(readFileSync(resolve(CHART_DIR, 'files/alerts.yaml'), 'utf8')) as { groups: Array<{ rules: Array<{ alert: string; expr: string }> }> }).groups
  .flatMap((g) => g.rules)
  .map((r) => ({ where: `alert ${r.alert}`, expr: r.expr }));
const dashboardExprs = dashboard.panels.flatMap((p) => p.targets.map((t) => ({ where: `panel "${p.title}"`, expr: t.expr })));
/** The KEDA trigger's default query, as scaledobject-worker.yaml writes it. */
const kedaQuery = /\$query := printf "((?:[^"\\]|\\.)*)"/.exec(readFileSync(resolve(CHART_DIR, 'templates/scaledobject-worker.yaml'), 'utf8'));

/**
 * The metric names a PromQL expression reads: strings, label matchers, ranges and by/without lists removed,
 * every identifier left that is not called like a function is a metric name.
 */
function metricNames(expr: string): string[] {
  const bare = expr
    .replace(/"(?:[^"\\]|\\.)*"/g, '""')
    .replace(/\{[^}]*\}/g, '')
    .replace(/\[[^\]]*\]/g, '')
    .replace(/\b(by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)/g, '');
  return [...bare.matchAll(/\b([a-zA-Z_:][a-zA-Z0-9_:]*)\b(?!\s*\()/g)].map((m) => m[1]!).filter((name) => !/^(and|or|unless|bool|offset|inf|nan)$/i.test(name));
}

/** What `/metrics` can expose: every registered name, and for histograms their _bucket, _sum and _count series. */
async function exposedNames(): Promise<Set<string>> {
  const metrics = await createMetrics().registry.getMetricsAsJSON();
  // prom-client's types say MetricType is a numeric enum, but at run time `type` is the string ('histogram').
  const isHistogram = (m: { type: unknown }) => String(m.type) === 'histogram';
  return new Set(metrics.flatMap((m) => (isHistogram(m) ? ['_bucket', '_sum', '_count'].map((suffix) => `${m.name}${suffix}`) : [m.name])));
}

describe('the metrics the chart\'s dashboard, alerts and autoscaler query', () => {
  it('are read from the expressions (a guard against finding none)', () => {
    expect(metricNames('histogram_quantile(0.99, sum by (le) (rate(flightdeck_slack_ack_seconds_bucket{job=~"$job"}[5m]))) > 2')).toEqual(['flightdeck_slack_ack_seconds_bucket']);
    expect(dashboardExprs.length).toBeGreaterThan(10);
    expect(kedaQuery).not.toBeNull();
  });

  it('are all metrics flightdeck registers (src/observability/create-metrics.ts)', async () => {
    const exposed = await exposedNames();
    const queries = [...dashboardExprs, ...alertExprs, { where: 'KEDA trigger', expr: kedaQuery![1]!.replace(/\\"/g, '"') }];
    const unknown = queries.flatMap(({ where, expr }) =>
      metricNames(expr)
        // kube-state-metrics' series (the FlightdeckNotReady alert) are not flightdeck's.
        .filter((name) => !name.startsWith('kube_') && !exposed.has(name))
        .map((name) => `${where}: ${name}`),
    );
    expect(unknown).toEqual([]);
  });

  it('cover every flightdeck metric on the dashboard', async () => {
    const onDashboard = new Set(dashboardExprs.flatMap(({ expr }) => metricNames(expr)).map((name) => name.replace(/_(bucket|sum|count)$/, '')));
    const own = (await createMetrics().registry.getMetricsAsJSON()).map((m) => m.name).filter((name) => name.startsWith('flightdeck_'));
    expect(own.filter((name) => !onDashboard.has(name))).toEqual([]);
  });
});
