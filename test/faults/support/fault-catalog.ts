/** The channel every fault scenario deploys into. */
export const FAULT_CHANNEL = 'C0DEPLOY';
export const FAULT_NAMESPACE = 'faults';

/** Service names: one Deployment per service, so runs never wait on each other's lock. */
export function serviceNames(count: number): string[] {
  return Array.from({ length: count }, (_, index) => `svc-${String(index).padStart(2, '0')}`);
}

export function imageOf(service: string, version: string): string {
  return `registry.example.com/acme/${service}:${version}`;
}

/**
 * `production` runs only steps (set-image, wait-rollout), so a run goes from `/deploy` to its end with no
 * person involved; `staging` waits for one manual tick first, which gives the click scenarios a button.
 */
export interface CatalogExtras {
  /** More environments, by name, each with the checklist it runs (on the same cluster). */
  environments?: Record<string, string>;
  /** YAML lines added to every service (indented as a service's keys), e.g. a `pagerduty:` block. */
  serviceLines?: readonly string[];
}

export function faultCatalog(services: readonly string[], extras: CatalogExtras = {}): string {
  const extraEnvironments = Object.entries(extras.environments ?? {});
  const environmentNames = ['production', 'staging', ...extraEnvironments.map(([name]) => name)].join(', ');
  const entries = services
    .map((name) =>
      [
        `  ${name}:`,
        `    namespace: ${FAULT_NAMESPACE}`,
        `    deployment: ${name}`,
        '    container: app',
        `    image: registry.example.com/acme/${name}`,
        `    environments: [${environmentNames}]`,
        '    defaultEnvironment: production',
        ...(extras.serviceLines ?? []).map((line) => `    ${line}`),
      ].join('\n'),
    )
    .join('\n');
  return `
slack:
  defaultChannel: ${FAULT_CHANNEL}
environments:
  production:
    cluster: emulator
    checklist: auto
  staging:
    cluster: emulator
    checklist: manual
${extraEnvironments.map(([name, checklist]) => `  ${name}:\n    cluster: emulator\n    checklist: ${checklist}\n`).join('')}services:
${entries}
`;
}

const ROLLOUT_PHASE = `  - id: rollout
    title: Rollout
    items:
      - id: set-image
        kind: step
        action: set-image
      - id: wait
        kind: step
        action: wait-rollout
        timeout: 120s
`;

export const FAULT_CHECKLISTS: Record<string, string> = {
  auto: `name: auto\nphases:\n${ROLLOUT_PHASE}`,
  manual: `name: manual
phases:
  - id: pre
    title: Pre-deployment
    items:
      - id: ready
        kind: manual
        title: Ready to go
${ROLLOUT_PHASE}`,
};
