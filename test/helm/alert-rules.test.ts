import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { parse, stringify } from 'yaml';
import { commandUnavailable, requireTool, skipWithout } from '../support/skip-without.js';
import { CHART_DIR, goUnavailable, renderChart } from './render-chart.js';

type Rule = { alert: string; expr: string; for?: string };

const RULES_FILE = resolve(CHART_DIR, 'files/alerts.yaml');
const OPERATIONS = resolve(import.meta.dirname, '../../docs/operations.md');

const rulesIn = (file: string): Rule[] => (parse(readFileSync(file, 'utf8')) as { groups: Array<{ rules: Rule[] }> }).groups.flatMap((g) => g.rules);

/** The YAML block after "Suggested alerts" in docs/operations.md: the alerts as operators read them. */
function documentedAlerts(): Rule[] {
  const text = readFileSync(OPERATIONS, 'utf8');
  const block = /Suggested alerts[^\n]*\n+```yaml\n([\s\S]*?)```/.exec(text);
  if (!block) throw new Error('docs/operations.md has no ```yaml block after "Suggested alerts"');
  return parse(block[1]!) as Rule[];
}

const promtoolMissing = commandUnavailable('promtool', ['--version'], 'apt-get install prometheus: Debian ships promtool with it');
const temp = () => mkdtempSync(join(tmpdir(), 'flightdeck-rules-'));
const promtool = (...args: string[]) => execFileSync('promtool', args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });

describe('the alerts of docs/operations.md', () => {
  it('are the rules of the chart, expression and duration alike, and nothing else', () => {
    const documented = documentedAlerts();
    expect(documented.length).toBeGreaterThan(5);
    const shape = (rules: Rule[]) => rules.map((r) => ({ alert: r.alert, expr: r.expr, for: r.for })).sort((a, b) => a.alert.localeCompare(b.alert));
    expect(shape(rulesIn(RULES_FILE))).toEqual(shape(documented));
  });

  it('each carry a severity and a summary', () => {
    for (const rule of rulesIn(RULES_FILE) as Array<Rule & { labels?: Record<string, string>; annotations?: Record<string, string> }>) {
      expect(rule.labels?.severity, rule.alert).toMatch(/^(critical|warning|info)$/);
      expect(rule.annotations?.summary, rule.alert).toBeTruthy();
    }
  });
});

describe.skipIf(skipWithout(promtoolMissing, 'promtool checks of the alert rules'))('promtool', () => {
  beforeAll(() => requireTool(promtoolMissing));

  it('accepts the rules file', () => {
    expect(promtool('check', 'rules', RULES_FILE)).toContain('SUCCESS: 8 rules found');
  });

  it('fires the alerts when their condition holds for their duration, and not before', () => {
    const dir = temp();
    // promtool compares annotations exactly and they are templates of the value; what decides firing is expr, for
    // and labels, so the unit test runs on a copy without annotations.
    const rules = parse(readFileSync(RULES_FILE, 'utf8')) as { groups: Array<{ rules: Array<Record<string, unknown>> }> };
    for (const group of rules.groups) for (const rule of group.rules) delete rule.annotations;
    writeFileSync(join(dir, 'rules.yaml'), stringify(rules));
    const tests = {
      rule_files: [join(dir, 'rules.yaml')],
      evaluation_interval: '1m',
      tests: [
        {
          interval: '1m',
          input_series: [
            { series: 'flightdeck_messages_stale{job="fd-flightdeck-metrics",pod="web-1"}', values: '0 1x10' },
            { series: 'flightdeck_queue_jobs{job="fd-flightdeck-metrics",pod="worker-1",queue="steps",state="waiting"}', values: '21x20' },
            // New notify jobs wait as prioritized: a backlog split between the two states counts whole.
            { series: 'flightdeck_queue_jobs{job="fd-flightdeck-metrics",pod="worker-1",queue="notify",state="waiting"}', values: '10x20' },
            { series: 'flightdeck_queue_jobs{job="fd-flightdeck-metrics",pod="worker-1",queue="notify",state="prioritized"}', values: '15x20' },
            { series: 'flightdeck_runs_total{environment="production",outcome="error"}', values: '0 0 1 1 1' },
          ],
          alert_rule_test: [
            { eval_time: '2m', alertname: 'FlightdeckMessagesStale', exp_alerts: [] },
            { eval_time: '4m', alertname: 'FlightdeckMessagesStale', exp_alerts: [{ exp_labels: { severity: 'warning' } }] },
            { eval_time: '5m', alertname: 'FlightdeckQueueBacklog', exp_alerts: [] },
            {
              eval_time: '11m',
              alertname: 'FlightdeckQueueBacklog',
              exp_alerts: [{ exp_labels: { severity: 'warning', queue: 'notify' } }, { exp_labels: { severity: 'warning', queue: 'steps' } }],
            },
            { eval_time: '1m', alertname: 'FlightdeckRunsErroring', exp_alerts: [] },
            { eval_time: '3m', alertname: 'FlightdeckRunsErroring', exp_alerts: [{ exp_labels: { severity: 'warning' } }] },
          ],
        },
      ],
    };
    writeFileSync(join(dir, 'tests.yaml'), stringify(tests));
    expect(promtool('test', 'rules', join(dir, 'tests.yaml'))).toContain('SUCCESS');
  });

  const goMissing = goUnavailable();
  it.skipIf(skipWithout(goMissing, 'the rendered PrometheusRule check'))('accepts the rules as the chart renders them into the PrometheusRule', () => {
    requireTool(goMissing);
    const objects = renderChart([resolve(import.meta.dirname, 'values/secrets.yaml'), resolve(CHART_DIR, 'examples/http-ingress.yaml')]).objects;
    const rule = objects.find((o) => o.kind === 'PrometheusRule') as { spec: { groups: unknown[] } } | undefined;
    expect(rule).toBeDefined();
    const file = join(temp(), 'rendered.yaml');
    writeFileSync(file, stringify({ groups: rule!.spec.groups }));
    expect(promtool('check', 'rules', file)).toContain('SUCCESS: 8 rules found');
  });
});
