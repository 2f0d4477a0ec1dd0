import { z } from 'zod';
import { probeSpecSchema } from '../probes/probe-types.js';
import { guardAfterSuccessSchema, watchProblems } from './guard-watch-schema.js';
import { badEnvNames, checklistJobSpecShape, JOB_FAILURE_POLICIES, unknownMounts } from './job-step-schema.js';
import { DURATION_PATTERN } from './parse-duration.js';
import { TEMPLATE_VARIABLES, unknownVariables } from './template-variables.js';

const id = z
  .string()
  .regex(/^[a-z0-9][a-z0-9-]{0,62}$/, 'must be lowercase letters, digits and dashes, starting with a letter or digit');

const duration = z.string().regex(DURATION_PATTERN, 'must be a whole number and a unit: ms, s, m, h or d (e.g. 90s, 10m)');

const title = z.string().min(1, 'must not be empty').max(300, 'must be at most 300 characters');

/** A role name; the catalog maps it to Slack users and user groups. */
const role = id;

/**
 * A box a person ticks in Slack; with `role`, only holders of that role may tick it. `requesterMayTick`
 * says whether the person who requested the run may tick it themselves; default false when the item has
 * a role (a role-restricted box is someone else's check), true when it has none.
 */
export const manualItemSchema = z.strictObject({
  id,
  kind: z.literal('manual'),
  title,
  role: role.optional(),
  requesterMayTick: z.boolean().optional(),
});

/**
 * An approval by holders of `role`. `quorum` distinct people must approve; the person who requested the
 * run may not approve it unless `allowSelf` (or the checklist's `allowSelfSignoff`) says so; with
 * `expires`, an approval older than that when the phase completes must be given again.
 */
export const signoffItemSchema = z.strictObject({
  id,
  kind: z.literal('signoff'),
  title,
  role,
  quorum: z.number().int().min(1).max(10).default(1),
  allowSelf: z.boolean().optional(),
  expires: duration.optional(),
});

/** A probe a worker runs: tried `retries` more times, `interval` apart, each bounded by `timeout`. */
export const checkItemSchema = z.strictObject({
  id,
  kind: z.literal('check'),
  title,
  probe: probeSpecSchema,
  retries: z.number().int().min(0).max(100).default(3),
  interval: duration.default('10s'),
  timeout: duration.default('10s'),
});

const step = { id, kind: z.literal('step'), title: title.optional() };

/** Patch the service's container image to the requested version (recording the rollback target first). */
export const setImageStepSchema = z.strictObject({ ...step, action: z.literal('set-image') });

/** Watch the Deployment until `kubectl rollout status` would call it complete; fail after `timeout`. */
export const waitRolloutStepSchema = z.strictObject({ ...step, action: z.literal('wait-rollout'), timeout: duration.default('10m') });

/** Create (or update) the `<deployment>-canary` Deployment running the new image, and wait for it. */
export const canaryStepSchema = z.strictObject({
  ...step,
  action: z.literal('canary'),
  replicas: z.number().int().min(1).max(100).default(1),
  timeout: duration.default('10m'),
});

/** Send `weight` percent of the service's HTTPRoute traffic to the canary (the rest to stable). */
export const trafficStepSchema = z.strictObject({ ...step, action: z.literal('traffic'), weight: z.number().int().min(0).max(100) });

/** Wait `duration` while guards watch: the pause between traffic steps. */
export const bakeStepSchema = z.strictObject({ ...step, action: z.literal('bake'), duration });

/** Make the canary's image stable: set the stable image, wait for it, return all traffic to stable, scale the canary to zero. */
export const promoteStepSchema = z.strictObject({ ...step, action: z.literal('promote'), timeout: duration.default('10m') });

/**
 * Blue-green, first step: bring up `<deployment>-preview` with the new image and as many replicas as the
 * active Deployment, beside it, with the catalog's previewService selecting it and the activeService kept on
 * the old pods; wait until it is ready. Checks and smoke Jobs that follow can reach it through previewService.
 */
export const previewStepSchema = z.strictObject({ ...step, action: z.literal('preview'), timeout: duration.default('10m') });

/** Blue-green: send all traffic to the preview in one change (activeService's selector, or the route's weights 0/100). */
export const switchStepSchema = z.strictObject({ ...step, action: z.literal('switch') });

/**
 * Blue-green, last step: `scaleDownDelay` after the switch (the old version kept scaled meanwhile, so a
 * rollback is a switch back), make the new image the active Deployment's, return traffic to it and scale the
 * preview to zero. Default delay 30m: the window in which a rollback is only a switch back, while the guards
 * watch (Argo Rollouts' scaleDownDelaySeconds defaults to 30 s, only long enough for kube-proxy to catch up).
 */
export const scaleDownStepSchema = z.strictObject({
  ...step,
  action: z.literal('scale-down'),
  scaleDownDelay: duration.default('30m'),
  timeout: duration.default('10m'),
});

/** Run a Kubernetes Job built from this template in the service's namespace; the step fails when the Job fails. */
export const smokeJobStepSchema = z.strictObject({
  ...step,
  action: z.literal('smoke-job'),
  image: z.string().min(1),
  command: z.array(z.string()).optional(),
  args: z.array(z.string()).optional(),
  env: z.record(z.string(), z.string()).optional(),
  /** The pod's ServiceAccount, its token mounted; without it the Job runs with no token at all. */
  serviceAccount: z.string().regex(/^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$/, 'a DNS subdomain name').optional(),
  timeout: duration.default('5m'),
});

/**
 * Run a Kubernetes Job in the service's namespace: a backup, a migration. `image` defaults to the release
 * image; `deadline` bounds the Job (its activeDeadlineSeconds) and the step; `backoffLimit` pod failures are
 * tolerated; `onFailure: continue` lets the run go on after the Job failed.
 */
export const jobStepSchema = z.strictObject({
  ...step,
  action: z.literal('job'),
  image: z.string().min(1).optional(),
  ...checklistJobSpecShape,
  deadline: duration.default('10m'),
  backoffLimit: z.number().int().min(0).max(10).default(0),
  onFailure: z.enum(JOB_FAILURE_POLICIES).default('fail'),
});

export const stepItemSchema = z.discriminatedUnion('action', [
  setImageStepSchema,
  waitRolloutStepSchema,
  canaryStepSchema,
  trafficStepSchema,
  bakeStepSchema,
  promoteStepSchema,
  smokeJobStepSchema,
  jobStepSchema,
  previewStepSchema,
  switchStepSchema,
  scaleDownStepSchema,
]);

export const itemSchema = z.discriminatedUnion('kind', [manualItemSchema, signoffItemSchema, checkItemSchema, stepItemSchema]);

/** What a follow-up phase does when one of its checks fails: say so in the thread (default), or also page. */
export const FOLLOW_UP_FAILURE_POLICIES = ['notify', 'page'] as const;

/**
 * With `after`, a follow-up phase: it becomes due that long after the run succeeded (post-deployment
 * follow-ups such as +1h, +24h, +7d). Follow-ups come last and hold no steps. `onFailure: page` (follow-ups
 * only) also pages PagerDuty when one of its checks fails; the default `notify` only tells the thread.
 */
export const phaseSchema = z.strictObject({
  id,
  title,
  after: duration.optional(),
  onFailure: z.enum(FOLLOW_UP_FAILURE_POLICIES).optional(),
  items: z.array(itemSchema).min(1, 'a phase needs at least one item'),
});

/** What a breached guard does: roll back at once, page the on-call with a Rollback button, or only alert. */
export const GUARD_ACTIONS = ['rollback', 'page', 'notify'] as const;
/** How a guard treats a measurement with no data (or an error): as inconclusive (pages), a breach, or healthy. */
export const GUARD_POLICIES = ['inconclusive', 'breach', 'ok'] as const;

/**
 * A condition watched from rollout start until the run ends. It is breached when its probe fails at every
 * evaluation across `for` (as in Prometheus alerting rules). With `watchFor`, it keeps watching that long
 * after the run succeeded, as `afterSuccess` says (by default the same probe, paging instead of rolling back).
 */
export const guardSchema = z.strictObject({
  id,
  title,
  probe: probeSpecSchema,
  for: duration.default('0s'),
  interval: duration.default('10s'),
  action: z.enum(GUARD_ACTIONS),
  noData: z.enum(GUARD_POLICIES).default('inconclusive'),
  onError: z.enum(GUARD_POLICIES).default('inconclusive'),
  watchFor: duration.optional(),
  afterSuccess: guardAfterSuccessSchema.optional(),
});

const STEP_NEEDS_CANARY = new Set(['traffic', 'promote']);
/** What each blue-green step needs before it: the preview it switches to, the switch it scales down after. */
const STEP_NEEDS: Readonly<Record<string, string>> = { switch: 'preview', 'scale-down': 'switch' };

export const checklistSchema = z
  .strictObject({
    name: id,
    description: z.string().optional(),
    /** Roles this checklist names, with what each is for; the catalog says who holds them. */
    roles: z.record(role, z.string().min(1)).default({}),
    /** Whether the requester may approve their own run's sign-offs (each item may override). Default false. */
    allowSelfSignoff: z.boolean().default(false),
    /**
     * One person counts for at most one sign-off of a run, whatever roles they hold: with it, someone who
     * approved one sign-off item may not approve another. Default false (production.yaml sets true).
     */
    distinctSigners: z.boolean().default(false),
    phases: z.array(phaseSchema).min(1, 'a checklist needs at least one phase'),
    guards: z.array(guardSchema).default([]),
    /**
     * What people work through once a run of this checklist has been rolled back (the runbook's rollback
     * section: restore the database if needed, notify, document): the rollback run holds these items in a
     * follow-up phase that opens when the rollback has rolled out. They never hold up a deployment.
     */
    rollbackPlan: z.array(z.discriminatedUnion('kind', [manualItemSchema, checkItemSchema])).optional(),
  })
  .superRefine((checklist, ctx) => {
    const ids = new Map<string, string>();
    const claim = (value: string, path: (string | number)[], what: string) => {
      const previous = ids.get(value);
      if (previous) {
        ctx.addIssue({ code: 'custom', path, message: `duplicate id "${value}" (already used by ${previous}; ids must be unique across the checklist)` });
      }
      ids.set(value, what);
    };
    const phaseIds = new Set<string>();
    let canarySeen = false;
    const seenActions = new Set<string>();
    let followUp: string | undefined;
    checklist.phases.forEach((phase, p) => {
      if (phaseIds.has(phase.id)) ctx.addIssue({ code: 'custom', path: ['phases', p, 'id'], message: `duplicate phase id "${phase.id}"` });
      phaseIds.add(phase.id);
      // Follow-ups run after the run succeeded and released its lock: nothing regular may come after them,
      // and they may not change the cluster.
      if (phase.after !== undefined) followUp ??= phase.id;
      else if (followUp !== undefined) {
        ctx.addIssue({ code: 'custom', path: ['phases', p], message: `a phase without \`after\` cannot follow the follow-up phase "${followUp}" — move it before "${followUp}", or give it an \`after\`` });
      }
      if (phase.after === undefined && phase.onFailure !== undefined) {
        ctx.addIssue({ code: 'custom', path: ['phases', p, 'onFailure'], message: 'only a follow-up phase (with `after`) has an `onFailure`: a failed check of any other phase fails the run — remove it, or give the phase an `after`' });
      }
      if (phase.after !== undefined) {
        phase.items.forEach((item, i) => {
          if (item.kind === 'step') ctx.addIssue({ code: 'custom', path: ['phases', p, 'items', i, 'kind'], message: `a follow-up phase (with \`after\`) cannot hold steps: it runs after the deployment has finished — move the step to an earlier phase` });
        });
      }
      phase.items.forEach((item, i) => {
        const path = ['phases', p, 'items', i];
        claim(item.id, [...path, 'id'], `an item in phase "${phase.id}"`);
        if ((item.kind === 'manual' || item.kind === 'signoff') && item.role !== undefined && !(item.role in checklist.roles)) {
          ctx.addIssue({
            code: 'custom',
            path: [...path, 'role'],
            message: `role "${item.role}" is not declared under roles (declared: ${Object.keys(checklist.roles).join(', ') || 'none'})`,
          });
        }
        if (item.kind === 'step' && item.action === 'canary') canarySeen = true;
        if (item.kind === 'step' && item.action === 'job') {
          for (const name of badEnvNames(item.env)) {
            ctx.addIssue({ code: 'custom', path: [...path, 'env', name], message: 'is not an environment variable name Kubernetes accepts: letters, digits, "_", "-" or ".", not starting with a digit' });
          }
          for (const m of unknownMounts(item)) {
            ctx.addIssue({ code: 'custom', path: [...path, 'volumeMounts', m, 'name'], message: `mounts volume "${item.volumeMounts?.[m]?.name}", which is not under this step's volumes (declared: ${(item.volumes ?? []).map((v) => v.name).join(', ') || 'none'})` });
          }
        }
        if (item.kind === 'step' && STEP_NEEDS_CANARY.has(item.action) && !canarySeen) {
          ctx.addIssue({ code: 'custom', path: [...path, 'action'], message: `a ${item.action} step needs a canary step before it` });
        }
        if (item.kind === 'step') {
          const needed = STEP_NEEDS[item.action];
          if (needed !== undefined && !seenActions.has(needed)) {
            ctx.addIssue({ code: 'custom', path: [...path, 'action'], message: `a ${item.action} step needs a ${needed} step before it` });
          }
          seenActions.add(item.action);
        }
      });
    });
    checklist.guards.forEach((guard, g) => {
      claim(guard.id, ['guards', g, 'id'], 'a guard');
      for (const problem of watchProblems(guard)) ctx.addIssue({ code: 'custom', path: ['guards', g, ...problem.path], message: problem.message });
    });
    (checklist.rollbackPlan ?? []).forEach((item, i) => {
      claim(item.id, ['rollbackPlan', i, 'id'], 'an item of the rollback plan');
      if (item.kind === 'manual' && item.role !== undefined && !(item.role in checklist.roles)) {
        ctx.addIssue({ code: 'custom', path: ['rollbackPlan', i, 'role'], message: `role "${item.role}" is not declared under roles (declared: ${Object.keys(checklist.roles).join(', ') || 'none'})` });
      }
    });
    reportUnknownVariables(checklist, [], ctx);
  });

/** Walks every string in the checklist and reports `{{name}}` placeholders that are not template variables. */
function reportUnknownVariables(value: unknown, path: (string | number)[], ctx: z.RefinementCtx): void {
  if (typeof value === 'string') {
    for (const name of unknownVariables(value)) {
      ctx.addIssue({ code: 'custom', path, message: `unknown template variable "{{${name}}}" (known: ${TEMPLATE_VARIABLES.join(', ')})` });
    }
  } else if (Array.isArray(value)) {
    value.forEach((entry, index) => {
      reportUnknownVariables(entry, [...path, index], ctx);
    });
  } else if (value && typeof value === 'object') {
    for (const [key, entry] of Object.entries(value)) reportUnknownVariables(entry, [...path, key], ctx);
  }
}

export type Checklist = z.infer<typeof checklistSchema>;
export type ChecklistItem = z.infer<typeof itemSchema>;
export type StepItem = z.infer<typeof stepItemSchema>;
