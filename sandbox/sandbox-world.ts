import type { Catalog, TrafficSettings } from '../src/config/catalog-schema.js';
import { resolveTarget } from '../src/config/resolve-target.js';
import type { KnownUser } from './slack/index.js';

export interface SandboxPerson extends KnownUser {
  /** What the people switcher shows under the name: the catalog roles this person holds. */
  roles: string[];
}

/** One service in one environment, where the catalog says it runs (overrides applied). */
export interface SandboxTarget {
  service: string;
  environment: string;
  /** The kubeconfig context, i.e. which emulated cluster. */
  cluster: string;
  namespace: string;
  deployment: string;
  container: string;
  repository: string;
  traffic?: TrafficSettings;
}

/** Everything the sandbox makes up for a catalog: the workspace, the clusters' contents, the on-call. */
export interface SandboxWorld {
  /** The one channel the page shows; every run posts there. */
  channel: { id: string; name: string };
  people: SandboxPerson[];
  /** Slack user groups the catalog's roles name, with their (stand-in) members. */
  usergroups: Record<string, string[]>;
  targets: SandboxTarget[];
  /** Every kubeconfig context the catalog's environments name: one emulated cluster each. */
  clusters: string[];
  /** Escalation policy → the person on call for it. */
  onCall: Record<string, string>;
  /** The environment variables (catalog `routingKeyEnv`) that must hold the emulated PagerDuty's routing key. */
  routingKeyEnvs: string[];
  /** What the sandbox could not take from the catalog as it is, one sentence each. */
  notes: string[];
}

/** The version every Deployment runs when the sandbox starts. */
export const SANDBOX_START_VERSION = '1.1.0';
/** Who is on call where the catalog has no role naming an on-call. */
const STAND_IN_ON_CALL_ID = 'U0SANDBOXONCALL';

/** A made-up person for a Slack user id the catalog names; the email lets PagerDuty's on-call be found in Slack. */
function standIn(id: string, realName: string): SandboxPerson {
  return { id, name: id.toLowerCase(), realName, email: `${id.toLowerCase()}@sandbox.example.com`, roles: [] };
}

/**
 * The world the sandbox builds for `catalog`: a person per Slack user its roles list, named after `known`
 * when one of them has that id, else a stand-in named by the id; one stand-in member per user group; a
 * Deployment per service and environment; the holders of a role called `oncall` (or `on-call`) on call for
 * every escalation policy, else a stand-in. Pure.
 */
export function sandboxWorld(catalog: Catalog, known: readonly SandboxPerson[] = []): SandboxWorld {
  const people = new Map<string, SandboxPerson>();
  const usergroups: Record<string, string[]> = {};
  const notes: string[] = [];
  const hold = (id: string, role: string, standIn: () => SandboxPerson) => {
    const person = people.get(id) ?? { ...(known.find((p) => p.id === id) ?? standIn()), roles: [] };
    if (!person.roles.includes(role)) person.roles.push(role);
    people.set(id, person);
  };
  for (const [role, holders] of Object.entries(catalog.roles)) {
    for (const id of holders.users ?? []) hold(id, role, () => standIn(id, `${id} (stand-in)`));
    for (const group of holders.groups ?? []) {
      const member = `U${group.slice(1)}`;
      hold(member, role, () => standIn(member, `Member of ${group} (stand-in)`));
      usergroups[group] = [member];
      notes.push(`role ${role}: user group ${group}'s real members are not known here; the stand-in "Member of ${group}" is its only member.`);
    }
  }
  if (people.size === 0) people.set('U0SANDBOXUSER', standIn('U0SANDBOXUSER', 'You (stand-in)'));

  const onCallRole = ['oncall', 'on-call'].find((role) => Object.hasOwn(catalog.roles, role));
  const onCallHolder = [...people.values()].find((p) => onCallRole !== undefined && p.roles.includes(onCallRole));
  const onCall: Record<string, string> = {};
  const routingKeyEnvs = new Set<string>();
  const targets: SandboxTarget[] = [];
  for (const [service, entry] of Object.entries(catalog.services)) {
    if (entry.pagerduty) {
      routingKeyEnvs.add(entry.pagerduty.routingKeyEnv);
      const policy = entry.pagerduty.escalationPolicy;
      if (policy !== undefined && onCall[policy] === undefined) {
        if (!onCallHolder) people.set(STAND_IN_ON_CALL_ID, people.get(STAND_IN_ON_CALL_ID) ?? standIn(STAND_IN_ON_CALL_ID, 'On-call (stand-in)'));
        onCall[policy] = onCallHolder?.id ?? STAND_IN_ON_CALL_ID;
      }
    }
    for (const environment of entry.environments) {
      const { cluster, namespace, deployment, container, repository, traffic } = resolveTarget(catalog, service, environment);
      targets.push({ service, environment, cluster, namespace, deployment, container, repository, ...(traffic ? { traffic } : {}) });
    }
  }
  for (const [environment, settings] of Object.entries(catalog.environments)) {
    if (settings.channel !== undefined && settings.channel !== catalog.slack.defaultChannel) {
      notes.push(`environment ${environment}: its runs post in #deploys, the one channel the page shows, instead of ${settings.channel}.`);
    }
  }
  return {
    channel: { id: catalog.slack.defaultChannel, name: 'deploys' },
    people: [...people.values()],
    usergroups,
    targets,
    clusters: [...new Set(Object.values(catalog.environments).map((env) => env.cluster))],
    onCall,
    routingKeyEnvs: [...routingKeyEnvs],
    notes,
  };
}
