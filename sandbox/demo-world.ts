import type { SandboxPerson } from './sandbox-world.js';

/** The channel run messages go to. */
const DEMO_CHANNEL = 'C0DEPLOY';
/** The escalation policy whose on-call flightdeck DMs on a breach. */
const DEMO_ESCALATION_POLICY = 'PSANDBOX';
const DEMO_ROUTING_KEY_ENV = 'SANDBOX_PAGERDUTY_ROUTING_KEY';

/** One person per part of the production checklist; the requester is a tech lead too, so four-eyes can be tried. */
export const DEMO_PEOPLE: readonly SandboxPerson[] = [
  { id: 'U0RILEY', name: 'riley', realName: 'Riley Requester', email: 'riley@example.com', roles: ['deployers', 'tech-lead'] },
  { id: 'U0TESS', name: 'tess', realName: 'Tess Techlead', email: 'tess@example.com', roles: ['deployers', 'tech-lead'] },
  { id: 'U0SAM', name: 'sam', realName: 'Sam Security', email: 'sam@example.com', roles: ['security'] },
  { id: 'U0OMAR', name: 'omar', realName: 'Omar Ops', email: 'omar@example.com', roles: ['operations'] },
  { id: 'U0PIA', name: 'pia', realName: 'Pia Product', email: 'pia@example.com', roles: ['product-owner'] },
  { id: 'U0OLI', name: 'oli', realName: 'Oli Oncall', email: 'oli@example.com', roles: ['oncall'] },
];

const DEMO_SERVICES = ['api', 'web'] as const;

/** The namespace a demo service runs in per environment: one each, so their metrics can differ. */
function demoNamespace(service: string, environment: string): string {
  return environment === 'production' ? service : `${service}-${environment}`;
}

function holders(role: string): string {
  return DEMO_PEOPLE.filter((person) => person.roles.includes(role))
    .map((person) => person.id)
    .join(', ');
}

/**
 * The catalog: two services, staging (standard checklist) and production (the production checklist's canary
 * variant, production-canary: the walkthrough shows traffic moving a slice at a time, and the shipped
 * blue-green production.yaml would need a database Secret and a backup claim the demo has no use for). The
 * sandbox runs it as it runs anybody's: Prometheus, the cluster and the workspace are made to match it.
 */
export function demoCatalog(): string {
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
    '# The demo catalog, written by `flightdeck sandbox` at every start.',
    'slack:',
    `  defaultChannel: ${DEMO_CHANNEL}`,
    'roles:',
    ...roles.map((role) => `  ${role}: { users: [${holders(role)}] }`),
    'environments:',
    '  staging: { cluster: sandbox, checklist: standard, deployers: [deployers] }',
    '  production:',
    '    cluster: sandbox',
    '    checklist: production-canary',
    '    deployers: [deployers]',
    '    rollbackers: [deployers, oncall]',
    'services:',
    ...DEMO_SERVICES.flatMap(service),
    '',
  ].join('\n');
}
