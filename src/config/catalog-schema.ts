import { z } from 'zod';
import { deployWindowsSchema, freezeSchema } from '../deploy-windows/deploy-window-schema.js';

/*
 * The catalog (`flightdeck.yaml`): which services exist, where they run and which checklist gates each
 * environment. strictObject everywhere so a misspelt key is an error rather than a silently ignored line.
 */

/** Names people type in `/deploy api to staging`: lowercase DNS labels, so they are also valid in URLs and keys. */
const NAME = /^[a-z]([a-z0-9-]{0,61}[a-z0-9])?$/;
const name = z
  .string()
  .regex(NAME, 'must be lowercase letters, digits and dashes, start with a letter, end with a letter or digit, at most 63 characters');

/** Kubernetes RFC 1123 label: namespaces and container names. */
const label = z
  .string()
  .regex(/^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$/, 'must be a Kubernetes name: lowercase letters, digits and dashes, at most 63 characters');

/** Kubernetes RFC 1123 subdomain: Deployment names may contain dots. */
const subdomain = z
  .string()
  .max(253, 'must be at most 253 characters')
  .regex(/^[a-z0-9]([a-z0-9-]*[a-z0-9])?(\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)*$/, 'must be a Kubernetes name: lowercase letters, digits, dashes and dots');

/** Same rule as a checklist's `name` (checklist-schema.ts), since it names the file `checklists/<name>.yaml`. */
const checklistName = z
  .string()
  .regex(/^[a-z0-9][a-z0-9-]{0,62}$/, 'must name a checklist file: lowercase letters, digits and dashes (checklists/<name>.yaml)');

const channel = z
  .string()
  .regex(/^[CG][A-Z0-9]{2,}$/, 'must be a channel ID such as C0123ABCDEF (Slack shows it at the bottom of the channel details), not a #name');

const DOMAIN = String.raw`[a-zA-Z0-9](?:[a-zA-Z0-9-]*[a-zA-Z0-9])?(?:\.[a-zA-Z0-9](?:[a-zA-Z0-9-]*[a-zA-Z0-9])?)*(?::[0-9]+)?`;
const COMPONENT = '[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*';
const REPOSITORY = new RegExp(`^(?:${DOMAIN}/)?${COMPONENT}(?:/${COMPONENT})*$`);

/** An image repository without tag or digest: flightdeck appends the version being deployed. */
const repository = z.string().superRefine((value, ctx) => {
  const shown = JSON.stringify(value);
  const last = value.slice(value.lastIndexOf('/') + 1);
  let message: string | undefined;
  if (value.includes('@')) {
    message = `${shown} has a digest — remove everything from "@"; flightdeck adds the version at deploy time`;
  } else if (last.includes(':')) {
    message = `${shown} has a tag — remove "${last.slice(last.indexOf(':'))}"; flightdeck adds the version at deploy time`;
  } else if (!REPOSITORY.test(value)) {
    message = `${shown} is not an image repository — write it like registry.example.com/team/app (lowercase path, no tag)`;
  }
  if (message) ctx.addIssue({ code: 'custom', message });
});

/** Same rule as checklist ids: checklists name the roles their items need. */
const ROLE = /^[a-z0-9][a-z0-9-]{0,62}$/;
const roleName = z.string().regex(ROLE, 'must be a role name: lowercase letters, digits and dashes');

const userId = z
  .string()
  .regex(/^[UW][A-Z0-9]{2,}$/, 'must be a Slack user ID such as U0123ABCDEF (in Slack: the person\'s profile → ⋮ → Copy member ID), not a @name');
const groupId = z
  .string()
  .regex(/^S[A-Z0-9]{2,}$/, 'must be a Slack user group ID such as S0123ABCDEF (the group\'s page shows it), not a @handle');

/** Who holds a role: Slack users, and members of Slack user groups (looked up with usergroups.users.list). */
export const roleSchema = z
  .strictObject({ users: z.array(userId).optional(), groups: z.array(groupId).optional() })
  .refine((role) => (role.users?.length ?? 0) + (role.groups?.length ?? 0) > 0, 'has neither users nor groups — list Slack user IDs under users, or user group IDs under groups');

const httpUrl = z.url({ protocol: /^https?$/, error: 'must be an http:// or https:// URL' });

export const slackSettingsSchema = z.strictObject({
  /** Where run messages go when a request has no channel of its own (e.g. a deploy started from the CLI). */
  defaultChannel: channel,
});

export const environmentSchema = z.strictObject({
  /** The kubeconfig context name for this environment's cluster; any text kubectl accepts. */
  cluster: z.string().min(1, 'must not be empty'),
  /** The checklist every run here follows: `checklists/<checklist>.yaml`. */
  checklist: checklistName,
  /** Roles whose holders may deploy here; absent: anyone. */
  deployers: z.array(roleName).nonempty('must list at least one role, or be left out so anyone may deploy').optional(),
  /** Roles whose holders may roll back here; absent: the deployers. */
  rollbackers: z.array(roleName).nonempty('must list at least one role, or be left out so the deployers may roll back').optional(),
  /** Runs here wait for a Start click in their message. Default false. */
  confirmStart: z.boolean().optional(),
  /** Sign-offs here ask for confirmation in a dialog. Default false. */
  confirmSignoffs: z.boolean().optional(),
  /** Where runs of this environment post; default: the channel the command came from, else slack.defaultChannel. */
  channel: channel.optional(),
  /** This environment's Prometheus, for prometheus probes and guards that name no URL. */
  prometheusUrl: httpUrl.optional(),
  /** When deployments are taken here (weekly ranges in a time zone); absent: any time. Rollbacks always are. */
  deployWindows: deployWindowsSchema.optional(),
  /** Dated freezes (year-end, a launch): no deployment starts inside one. Rollbacks still do. */
  freezes: z.array(freezeSchema).optional(),
  /** Roles whose holders may `/deploy freeze` and `/deploy unfreeze` here; absent: the deployers. */
  freezers: z.array(roleName).nonempty('must list at least one role, or be left out so the deployers may freeze').optional(),
  /**
   * The emergency override: `/deploy … --emergency <reason>` starts a run outside the windows and freezes, only
   * for `deployers`, and only once a holder of `approver` other than the requester has approved it.
   */
  emergency: z
    .strictObject({
      deployers: z.array(roleName).nonempty('must list at least one role allowed to deploy in an emergency'),
      /** The role whose holder gives the second approval (never the requester). */
      approver: roleName,
      /** A channel every emergency deploy here is announced in as well (security, audit); absent: only the invoking channel. */
      auditChannel: channel.optional(),
    })
    .optional(),
});

/** The Gateway API HTTPRoute and the two Services traffic steps shift weight between. */
export const trafficSettingsSchema = z.strictObject({
  route: subdomain,
  stableService: label,
  canaryService: label,
});

/**
 * The Services a blue-green deployment switches between. `activeService` carries production traffic and
 * `previewService` reaches the new version before the switch (flightdeck sets both selectors). With `route`,
 * the switch moves the HTTPRoute's weights from activeService to previewService (0/100) instead of changing
 * the active Service's selector.
 */
export const blueGreenSettingsSchema = z.strictObject({
  activeService: label,
  previewService: label,
  route: subdomain.optional(),
});

/** PagerDuty for a service. The routing key is a secret, so the catalog names the env var that holds it. */
export const pagerdutySettingsSchema = z.strictObject({
  routingKeyEnv: z
    .string()
    .regex(/^[A-Z_][A-Z0-9_]*$/, 'must be the NAME of an environment variable holding the routing key (e.g. PAGERDUTY_API_ROUTING_KEY), never the key itself'),
  /** Escalation policy ID whose on-call gets the Slack DM (e.g. PABC123); without it nobody is DMed. */
  escalationPolicy: z
    .string()
    .regex(/^P[A-Z0-9]{5,}$/, 'must be a PagerDuty escalation policy ID such as PABC123 (shown in the policy\'s URL)')
    .optional(),
});

/** Per-environment replacements for a service's Kubernetes coordinates; every key optional. */
export const serviceOverrideSchema = z.strictObject({
  namespace: label.optional(),
  deployment: subdomain.optional(),
  container: label.optional(),
  image: repository.optional(),
});

export const serviceSchema = z
  .strictObject({
    namespace: label,
    deployment: subdomain,
    container: label,
    image: repository,
    environments: z.array(name).nonempty('must list at least one environment'),
    /** Optional; the first of `environments` when absent (filled in by the transform below). */
    defaultEnvironment: name.optional(),
    overrides: z.record(name, serviceOverrideSchema).optional(),
    /** Needed where an environment's checklist has canary, traffic or promote steps. */
    traffic: trafficSettingsSchema.optional(),
    /** Needed where an environment's checklist has preview, switch or scale-down steps. */
    blueGreen: blueGreenSettingsSchema.optional(),
    pagerduty: pagerdutySettingsSchema.optional(),
  })
  .transform((service) => ({ ...service, defaultEnvironment: service.defaultEnvironment ?? service.environments[0] }));

export const catalogSchema = z
  .strictObject({
    slack: slackSettingsSchema,
    /** Roles checklists and environments refer to, and who holds them. */
    roles: z.record(roleName, roleSchema).default({}),
    // Emptiness is checked here rather than in checkReferences: a record drops keys that fail their
    // schema, so only this refinement (skipped after such a failure) knows the map is really empty.
    environments: z
      .record(name, environmentSchema)
      .refine((map) => Object.keys(map).length > 0, 'no environments are declared — declare at least one, e.g. staging: { cluster: <context>, checklist: standard }'),
    services: z
      .record(name, serviceSchema)
      .refine((map) => Object.keys(map).length > 0, 'no services are declared — declare at least one service to deploy'),
  })
  // `when` lets cross references be reported alongside problems elsewhere in the file, so the
  // refinement reads the (possibly partly invalid) value defensively instead of trusting its type.
  .superRefine((catalog, ctx) => checkReferences(catalog as unknown, ctx), { when: (payload) => isRecord(payload.value) });

export type Catalog = z.output<typeof catalogSchema>;
export type CatalogEnvironment = z.output<typeof environmentSchema>;
export type TrafficSettings = z.output<typeof trafficSettingsSchema>;
export type BlueGreenSettings = z.output<typeof blueGreenSettingsSchema>;

function checkReferences(catalog: unknown, ctx: z.RefinementCtx): void {
  if (!isRecord(catalog)) return;
  const issue = (path: PropertyKey[], message: string, anchor?: 'key') =>
    ctx.addIssue({ code: 'custom', path, message, ...(anchor ? { params: { anchor } } : {}) });

  const environments = isRecord(catalog.environments) ? Object.keys(catalog.environments) : undefined;
  const known = new Set(environments ?? []);
  const knownList = environments?.length ? `use one of ${environments.join(', ')}` : 'declare it under environments';

  const roles = isRecord(catalog.roles) ? Object.keys(catalog.roles) : [];
  for (const [envName, env] of Object.entries(isRecord(catalog.environments) ? catalog.environments : {})) {
    if (!isRecord(env)) continue;
    const emergency = isRecord(env.emergency) ? env.emergency : {};
    const lists = { deployers: env.deployers, rollbackers: env.rollbackers, freezers: env.freezers, 'emergency.deployers': emergency.deployers, 'emergency.approver': [emergency.approver].filter((role) => role !== undefined) };
    for (const [key, list] of Object.entries(lists)) {
      if (!Array.isArray(list)) continue;
      list.forEach((role: unknown, i) => {
        if (typeof role !== 'string' || !ROLE.test(role) || roles.includes(role)) return;
        issue(
          ['environments', envName, ...key.split('.'), ...(key === 'emergency.approver' ? [] : [i])],
          `no role named "${role}" — declare it under roles (with users or groups)${roles.length ? `, or use one of ${roles.join(', ')}` : ''}`,
        );
      });
    }
  }

  for (const [serviceName, service] of Object.entries(isRecord(catalog.services) ? catalog.services : {})) {
    if (!isRecord(service)) continue;
    const at = ['services', serviceName];
    const own = Array.isArray(service.environments) ? service.environments.filter((e) => typeof e === 'string') : [];
    const seen = new Set<string>();
    (Array.isArray(service.environments) ? service.environments : []).forEach((env: unknown, i) => {
      // Malformed names are reported by the schema; calling them undeclared as well would be noise.
      if (typeof env !== 'string' || !NAME.test(env)) return;
      if (environments && !known.has(env)) {
        issue([...at, 'environments', i], `no environment named "${env}" — declare it under environments, or ${knownList}`);
      } else if (seen.has(env)) {
        issue([...at, 'environments', i], `"${env}" is listed twice — remove one`);
      }
      seen.add(env);
    });
    const fallback = service.defaultEnvironment;
    if (typeof fallback === 'string' && own.length > 0 && !own.includes(fallback)) {
      issue([...at, 'defaultEnvironment'], `"${fallback}" is not one of ${serviceName}'s environments — use one of ${own.join(', ')}`);
    }
    for (const env of Object.keys(isRecord(service.overrides) ? service.overrides : {})) {
      if (!NAME.test(env)) continue;
      const path = [...at, 'overrides', env];
      if (environments && !known.has(env)) {
        issue(path, `no environment named "${env}" — declare it under environments, or ${knownList}`, 'key');
      } else if (!own.includes(env)) {
        issue(path, `${serviceName} does not deploy to "${env}" — add ${env} to services.${serviceName}.environments, or remove this override`, 'key');
      }
    }
  }
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
