import type { KubernetesEmulator } from './kubernetes/index.js';
import type { KnownUser } from './slack/index.js';

/** The channel run messages go to. */
export const DEMO_CHANNEL = 'C0DEPLOY';
export const DEMO_CHANNEL_NAME = 'deploys';
/** The escalation policy whose on-call flightdeck DMs on a breach. */
export const DEMO_ESCALATION_POLICY = 'PSANDBOX';
export const DEMO_ROUTING_KEY_ENV = 'SANDBOX_PAGERDUTY_ROUTING_KEY';

export interface DemoPerson extends KnownUser {
  /** What the people switcher shows under the name. */
  roles: string[];
}

/** One person per part of the production checklist; the requester is a tech lead too, so four-eyes can be tried. */
export const DEMO_PEOPLE: readonly DemoPerson[] = [
  { id: 'U0RILEY', name: 'riley', realName: 'Riley Requester', email: 'riley@example.com', roles: ['deployers', 'tech-lead'] },
  { id: 'U0TESS', name: 'tess', realName: 'Tess Techlead', email: 'tess@example.com', roles: ['deployers', 'tech-lead'] },
  { id: 'U0SAM', name: 'sam', realName: 'Sam Security', email: 'sam@example.com', roles: ['security'] },
  { id: 'U0OMAR', name: 'omar', realName: 'Omar Ops', email: 'omar@example.com', roles: ['operations'] },
  { id: 'U0PIA', name: 'pia', realName: 'Pia Product', email: 'pia@example.com', roles: ['product-owner'] },
  { id: 'U0OLI', name: 'oli', realName: 'Oli Oncall', email: 'oli@example.com', roles: ['oncall'] },
];

export const DEMO_SERVICES = ['api', 'web'] as const;
export const DEMO_ENVIRONMENTS = ['staging', 'production'] as const;

/** The namespace a demo service runs in per environment: one each, so their metrics can differ. */
export function demoNamespace(service: string, environment: string): string {
  return environment === 'production' ? service : `${service}-${environment}`;
}

/** Every namespace the demo uses, for the chart's RBAC. */
export function demoNamespaces(): string[] {
  return DEMO_ENVIRONMENTS.flatMap((environment) => DEMO_SERVICES.map((service) => demoNamespace(service, environment)));
}

function holders(role: string): string {
  return DEMO_PEOPLE.filter((person) => person.roles.includes(role))
    .map((person) => person.id)
    .join(', ');
}

/** The catalog: two services, staging (standard checklist) and production (the production checklist). */
export function demoCatalog(prometheusUrl: string): string {
  const roles = ['deployers', 'oncall', 'tech-lead', 'security', 'operations', 'product-owner'];
  const service = (name: string) => [
    `  ${name}:`,
    `    namespace: ${demoNamespace(name, 'production')}`,
    `    deployment: ${name}`,
    `    container: ${name}`,
    `    image: registry.example.com/acme/${name}`,
    '    environments: [staging, production]',
    '    defaultEnvironment: staging',
    '    overrides:',
    `      staging: { namespace: ${demoNamespace(name, 'staging')} }`,
    `    traffic: { route: ${name}, stableService: ${name}, canaryService: ${name}-canary }`,
    '    pagerduty:',
    `      routingKeyEnv: ${DEMO_ROUTING_KEY_ENV}`,
    `      escalationPolicy: ${DEMO_ESCALATION_POLICY}`,
  ];
  return [
    '# The sandbox catalog, written by `flightdeck sandbox` at every start.',
    'slack:',
    `  defaultChannel: ${DEMO_CHANNEL}`,
    'roles:',
    ...roles.map((role) => `  ${role}: { users: [${holders(role)}] }`),
    'environments:',
    '  staging: { cluster: sandbox, checklist: standard, deployers: [deployers] }',
    '  production:',
    '    cluster: sandbox',
    '    checklist: production',
    '    deployers: [deployers]',
    '    rollbackers: [deployers, oncall]',
    `    prometheusUrl: ${prometheusUrl}`,
    'services:',
    ...DEMO_SERVICES.flatMap(service),
    '',
  ].join('\n');
}

/** Version 1.1.0 of both services running in both environments, each behind an HTTPRoute. */
export function seedDemoCluster(k8s: KubernetesEmulator): void {
  for (const environment of DEMO_ENVIRONMENTS) {
    for (const name of DEMO_SERVICES) {
      const namespace = demoNamespace(name, environment);
      k8s.seedDeployment({ namespace, name, container: name, image: `registry.example.com/acme/${name}:1.1.0`, replicas: 3 });
      k8s.create('httproutes', namespace, {
        apiVersion: 'gateway.networking.k8s.io/v1',
        kind: 'HTTPRoute',
        metadata: { name },
        spec: { parentRefs: [{ name: 'public' }], rules: [{ backendRefs: [{ name, port: 8080 }] }] },
      });
    }
  }
}
