import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { DEMO_ENVIRONMENTS, DEMO_SERVICES, demoNamespace } from './demo-world.js';
import type { PrometheusEmulator } from './prometheus/index.js';

export type MetricName = 'errorRate' | 'p95';

/** What the metrics panel shows for one service in one environment. */
export interface ServiceMetrics {
  service: string;
  environment: string;
  errorRate: number;
  p95: number;
}

/** Healthy values every service starts with: 0.2% errors, 300 ms at p95. */
const HEALTHY: Record<MetricName, number> = { errorRate: 0.002, p95: 0.3 };

/**
 * The numbers behind the sandbox's Prometheus: per service and environment an error rate and a p95, answered
 * to every PromQL query the checklists' checks and guards ask for that service's namespace (a latency query
 * when it takes a histogram quantile, an error-rate query otherwise). The real Prometheus probe reads them.
 */
export class DemoMetrics {
  private readonly values = new Map<string, ServiceMetrics>();
  private readonly queries: string[];

  constructor(
    private readonly prometheus: PrometheusEmulator,
    checklistDir: string,
  ) {
    this.queries = prometheusQueries(checklistDir);
    for (const environment of DEMO_ENVIRONMENTS) {
      for (const service of DEMO_SERVICES) this.set(service, environment, HEALTHY);
    }
  }

  all(): ServiceMetrics[] {
    return [...this.values.values()];
  }

  set(service: string, environment: string, values: Partial<Record<MetricName, number>>): ServiceMetrics | undefined {
    if (!(DEMO_SERVICES as readonly string[]).includes(service) || !(DEMO_ENVIRONMENTS as readonly string[]).includes(environment)) return undefined;
    const key = `${service}/${environment}`;
    const next = { ...(this.values.get(key) ?? { service, environment, ...HEALTHY }), ...values };
    this.values.set(key, next);
    const namespace = demoNamespace(service, environment);
    for (const query of this.queries) {
      this.prometheus.setQueryResult(query.replaceAll('{{namespace}}', namespace), query.includes('histogram_quantile') ? next.p95 : next.errorRate);
    }
    return next;
  }
}

function prometheusQueries(checklistDir: string): string[] {
  const found = new Set<string>();
  const visit = (node: unknown): void => {
    if (Array.isArray(node)) return node.forEach(visit);
    if (node === null || typeof node !== 'object') return;
    const record = node as Record<string, unknown>;
    if (record.type === 'prometheus' && typeof record.query === 'string') found.add(record.query);
    Object.values(record).forEach(visit);
  };
  for (const file of readdirSync(checklistDir).filter((f) => f.endsWith('.yaml') || f.endsWith('.yml'))) {
    visit(parse(readFileSync(join(checklistDir, file), 'utf8')));
  }
  return [...found];
}
