import { parse, stringify } from 'yaml';
import { E2E_CATALOG } from '../test/e2e/fixtures.js';

/** The checklist of the many-runs measurement: only cluster work, no person in the loop. */
export const ROLLOUT_ONLY_CHECKLIST = `
name: release
phases:
  - id: rollout
    title: Rollout
    items:
      - id: set-image
        kind: step
        action: set-image
      - id: wait
        kind: step
        action: wait-rollout
        timeout: 10m
`;

/** The container of every benchmark Deployment; each service has a namespace of its own, named after it. */
export const BENCH_CONTAINER = 'app';

/** `svc-00001` …: distinct services, so concurrent /deploys never meet on a service+environment lock. */
export function serviceName(index: number): string {
  return `svc-${String(index + 1).padStart(5, '0')}`;
}

/** `CB000001` …: Slack-shaped channel ids, one per team channel the /deploys come from. */
export function channelId(index: number): string {
  return `CB${String(index + 1).padStart(6, '0')}`;
}

/** The image repository of a benchmark service; its tags are the versions deployed. */
export function repositoryOf(service: string): string {
  return `registry.example.com/bench/${service}`;
}

/** Where service `index` of `count` runs when they are spread over `clusters` clusters (contiguous blocks). */
export function placementOf(index: number, count: number, clusters: number): { environment: string; context: string } {
  if (clusters === 1) return { environment: 'production', context: 'emulator' };
  const shard = String(Math.floor((index * clusters) / count) + 1).padStart(3, '0');
  return { environment: `prod-${shard}`, context: `emu-${shard}` };
}

/**
 * The e2e catalog (its Slack channel; checklist `release`) with `count` generated services in place of its
 * one service. With one cluster they all deploy to its `production` environment on context `emulator`;
 * with more, to `prod-001` … on contexts `emu-001` …, as {@link placementOf} spreads them.
 */
export function benchCatalog(count: number, clusters = 1): string {
  const catalog = parse(E2E_CATALOG) as { environments: Record<string, unknown>; services: Record<string, unknown> };
  const services: Record<string, unknown> = {};
  const environments: Record<string, unknown> = {};
  for (let i = 0; i < count; i += 1) {
    const name = serviceName(i);
    const { environment, context } = placementOf(i, count, clusters);
    environments[environment] = { cluster: context, checklist: 'release' };
    services[name] = { namespace: name, deployment: name, container: BENCH_CONTAINER, image: repositoryOf(name), environments: [environment] };
  }
  catalog.environments = environments;
  catalog.services = services;
  return stringify(catalog);
}
