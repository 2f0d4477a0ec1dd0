import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import type { PrometheusEmulator } from './prometheus/index.js';
import type { SandboxTarget } from './sandbox-world.js';

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
/** Template variables known before a run starts; queries naming others ({{version}}, {{run}}, …) cannot be answered ahead. */
const FIXED_VARIABLES = ['service', 'env', 'namespace', 'deployment', 'container'] as const;

/**
 * The numbers behind the sandbox's Prometheus: per service and environment an error rate and a p95, answered
 * to every PromQL query the checklists' checks and guards ask, filled in for that target (a latency query
 * when it takes a histogram quantile, an error-rate query otherwise). The real Prometheus probe reads them.
 */
export class DemoMetrics {
  private readonly values = new Map<string, ServiceMetrics>();
  private readonly queries: string[];
  /** Queries that use a variable only a run knows: they answer no data, which the checks report. */
  readonly unanswerable: string[];

  constructor(
    private readonly prometheus: PrometheusEmulator,
    private readonly targets: readonly SandboxTarget[],
    checklistDir: string,
  ) {
    const all = prometheusQueries(checklistDir);
    this.queries = all.filter((query) => !/\{\{\s*(version|image|run|requester)\s*\}\}/.test(query));
    this.unanswerable = all.filter((query) => !this.queries.includes(query));
    for (const target of targets) this.set(target.service, target.environment, HEALTHY);
  }

  all(): ServiceMetrics[] {
    return [...this.values.values()];
  }

  set(service: string, environment: string, values: Partial<Record<MetricName, number>>): ServiceMetrics | undefined {
    const target = this.targets.find((t) => t.service === service && t.environment === environment);
    if (!target) return undefined;
    const key = `${service}/${environment}`;
    const next = { ...(this.values.get(key) ?? { service, environment, ...HEALTHY }), ...values };
    this.values.set(key, next);
    const variables: Record<(typeof FIXED_VARIABLES)[number], string> = { ...target, env: environment };
    for (const query of this.queries) {
      const filled = FIXED_VARIABLES.reduce((text, name) => text.replace(new RegExp(`\\{\\{\\s*${name}\\s*\\}\\}`, 'g'), variables[name]), query);
      this.prometheus.setQueryResult(filled, query.includes('histogram_quantile') ? next.p95 : next.errorRate);
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
