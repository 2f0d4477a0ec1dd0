import { readFileSync, writeFileSync } from 'node:fs';
import { parse, stringify } from 'yaml';

/**
 * Copies the catalog at `from` to `to` as the sandbox runs it: every environment reads the emulated
 * Prometheus at `prometheusUrl`, and posts in the one channel the page shows (its own `channel` dropped; the
 * sandbox names it among the things it changed). Clusters, services, roles and checklists are unchanged: the
 * sandbox builds a kubeconfig context and a Slack workspace to match them. `from` is valid (checked first).
 */
export function writeSandboxCatalog(from: string, to: string, prometheusUrl: string): void {
  const catalog = parse(readFileSync(from, 'utf8')) as { environments: Record<string, Record<string, unknown>> };
  for (const environment of Object.values(catalog.environments)) {
    environment.prometheusUrl = prometheusUrl;
    delete environment.channel;
  }
  writeFileSync(to, `# Derived by flightdeck sandbox from ${from}\n${stringify(catalog)}`);
}
