import { stringify } from 'yaml';
import type { DiscoveredDeployment } from '../k8s/discover-deployments.js';

export interface StarterCatalogInput {
  /** The channel ID runs post to when a request names none. */
  channel: string;
  environment: string;
  /** The kubeconfig context of that environment; undefined when nothing was discovered. */
  context: string | undefined;
  deployments: readonly DiscoveredDeployment[];
}

export interface StarterCatalog {
  yaml: string;
  /** The services written, by name. */
  services: string[];
  /** Deployments left out, each with why. */
  skipped: string[];
}

const SERVICE_NAME = /^[a-z]([a-z0-9-]{0,61}[a-z0-9])?$/;

/** `registry.example.com/team/app:1.2@sha256:…` → `registry.example.com/team/app`: flightdeck appends the version. */
export function repositoryOf(image: string): string {
  const withoutDigest = image.split('@')[0] ?? '';
  const slash = withoutDigest.lastIndexOf('/');
  const colon = withoutDigest.lastIndexOf(':');
  return colon > slash ? withoutDigest.slice(0, colon) : withoutDigest;
}

/** A context name kubectl allows (`arn:aws:eks:…/prod`, `kind-dev`) as a catalog environment name. */
export function environmentNameOf(context: string): string {
  const cleaned = context.toLowerCase().replace(/[^a-z0-9-]+/g, '-').replace(/-+/g, '-').replace(/^-|-$/g, '');
  const named = /^[a-z]/.test(cleaned) ? cleaned : `env-${cleaned}`;
  return named.slice(0, 63).replace(/-+$/, '') || 'staging';
}

/**
 * The starter `flightdeck.yaml`: one environment on the current context with the standard checklist, and one
 * service per Deployment found (named after it; `<name>-<namespace>` when two namespaces share a name).
 * With nothing discovered, one example service to replace. Pure: the caller did the discovery.
 */
export function starterCatalog(input: StarterCatalogInput): StarterCatalog {
  const skipped: string[] = [];
  const services: Record<string, unknown> = {};
  const counts = new Map<string, number>();
  for (const d of input.deployments) counts.set(d.name, (counts.get(d.name) ?? 0) + 1);
  for (const d of input.deployments) {
    const container = d.containers[0];
    const where = `${d.namespace}/${d.name}`;
    if (!container) {
      skipped.push(`${where}: its pod template has no container`);
      continue;
    }
    const base = d.name.replace(/\./g, '-');
    const name = (counts.get(d.name) ?? 0) > 1 ? `${base}-${d.namespace}` : base;
    if (!SERVICE_NAME.test(name) || name in services) {
      skipped.push(`${where}: "${name}" cannot be a service name (lowercase letters, digits and dashes, at most 63); add it by hand`);
      continue;
    }
    services[name] = {
      namespace: d.namespace,
      deployment: d.name,
      container: container.name,
      image: repositoryOf(container.image),
      environments: [input.environment],
    };
  }
  const example = Object.keys(services).length === 0;
  if (example) {
    services.api = { namespace: 'default', deployment: 'api', container: 'api', image: 'registry.example.com/team/api', environments: [input.environment] };
  }
  const catalog = {
    slack: { defaultChannel: input.channel },
    environments: { [input.environment]: { cluster: input.context ?? 'in-cluster', checklist: 'standard' } },
    services,
  };
  const header = [
    '# Written by `flightdeck init`. Every key is described in docs/configuration.md; `flightdeck check` validates it.',
    input.context
      ? `# Services: the Deployments kubectl context "${input.context}" showed, each deploying its first container.`
      : '# No kubeconfig context was found: "in-cluster" means the pod\'s own service account. Replace the example service.',
    '# Next: add environments (e.g. production with checklist: production, deployers and rollbackers) and roles.',
  ];
  return { yaml: `${header.join('\n')}\n${stringify(catalog)}`, services: example ? [] : Object.keys(services), skipped };
}
