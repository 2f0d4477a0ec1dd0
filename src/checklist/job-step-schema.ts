import { z } from 'zod';

/*
 * The Kubernetes parts of a `job` step, in the API's own words (env, envFrom, volumes, volumeMounts) so a
 * reader who knows a Pod spec knows these. Built twice from one recipe: strict for checklists (an unknown key
 * is a typo to report), stripping for run documents (a stored run stays readable, see run-item-schema.ts).
 */

/** A Kubernetes object name (DNS subdomain). */
const k8sName = z.string().regex(/^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$/, 'must be a Kubernetes name: lowercase letters, digits, "-" and "."');
/** A volume name (DNS label). */
const volumeName = z.string().regex(/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/, 'must be a DNS label: lowercase letters, digits and "-"').max(63);
/** An environment variable name, as the API server accepts it. */
const ENV_NAME = /^[-._a-zA-Z][-._a-zA-Z0-9]*$/;
const envName = z.string().regex(ENV_NAME, 'must be letters, digits, "_", "-" or ".", not starting with a digit');

type ObjectFactory = typeof z.object;

function jobSpecShapes(object: ObjectFactory) {
  const keyRef = object({ name: k8sName, key: z.string().min(1), optional: z.boolean().optional() });
  /** An env value: literal text, or a key of a Secret or ConfigMap in the service's namespace. */
  const envValue = z.union([z.string(), object({ secretKeyRef: keyRef }), object({ configMapKeyRef: keyRef })]);
  const envFrom = z.union([
    object({ secretRef: object({ name: k8sName, optional: z.boolean().optional() }), prefix: envName.optional() }),
    object({ configMapRef: object({ name: k8sName, optional: z.boolean().optional() }), prefix: envName.optional() }),
  ]);
  const volume = z.union([
    object({ name: volumeName, persistentVolumeClaim: object({ claimName: k8sName, readOnly: z.boolean().optional() }) }),
    object({ name: volumeName, secret: object({ secretName: k8sName, optional: z.boolean().optional() }) }),
    object({ name: volumeName, configMap: object({ name: k8sName, optional: z.boolean().optional() }) }),
    object({ name: volumeName, emptyDir: object({ medium: z.enum(['', 'Memory']).optional(), sizeLimit: z.string().optional() }) }),
  ]);
  const volumeMount = object({
    name: volumeName,
    mountPath: z.string().regex(/^\//, 'must be an absolute path'),
    readOnly: z.boolean().optional(),
    subPath: z.string().optional(),
  });
  return {
    command: z.array(z.string()).optional(),
    args: z.array(z.string()).optional(),
    // Names are checked by badEnvNames: a record's key schema reports only "Invalid key in record".
    env: z.record(z.string(), envValue).optional(),
    envFrom: z.array(envFrom).optional(),
    volumes: z.array(volume).optional(),
    volumeMounts: z.array(volumeMount).optional(),
    /** The pod's ServiceAccount, its token mounted; without it the Job runs with no token at all. */
    serviceAccountName: k8sName.optional(),
  };
}

/** What a `job` step may say about its pod, as a checklist writes it. */
export const checklistJobSpecShape = jobSpecShapes(z.strictObject as ObjectFactory);

/**
 * A `job` step's `revert:` as a checklist writes it: a Job of the step's own shape that undoes what the step
 * did (`alembic downgrade`, `pg_restore` of the backup the run took), run by a rollback of the run. Every key
 * may be left out: `image`, `deadline` and `backoffLimit` default to the step's own (`command`, `args`, `env`
 * and the rest do not: a revert that ran the step's command again would redo it, not undo it).
 */
export function revertSpecSchema(extra: { deadline: z.ZodType<string> }) {
  return z.strictObject({
    image: z.string().min(1).optional(),
    ...checklistJobSpecShape,
    deadline: extra.deadline.optional(),
    backoffLimit: z.number().int().min(0).max(10).optional(),
  });
}

/** What a checklist's `job` step says about undoing it. */
interface RevertDeclaration {
  revert?: { env?: Record<string, unknown> | undefined; volumes?: Array<{ name: string }> | undefined; volumeMounts?: Array<{ name: string }> | undefined } | undefined;
  irreversible?: boolean | undefined;
}

/**
 * What is wrong with a step's `revert:` / `irreversible:`, as paths below the step and messages: both at once
 * (a step is undone by its revert, or cannot be undone: never both), and what the API server would refuse in
 * the revert's Job (env names, mounts of volumes it does not declare).
 */
export function revertProblems(step: RevertDeclaration): { path: (string | number)[]; message: string }[] {
  const problems: { path: (string | number)[]; message: string }[] = [];
  if (step.revert !== undefined && step.irreversible === true) {
    problems.push({ path: ['irreversible'], message: 'a job step declares either revert (the Job that undoes it) or irreversible: true (nothing can undo it), not both' });
  }
  const { revert } = step;
  if (!revert) return problems;
  for (const name of badEnvNames(revert.env)) {
    problems.push({ path: ['revert', 'env', name], message: 'is not an environment variable name Kubernetes accepts: letters, digits, "_", "-" or ".", not starting with a digit' });
  }
  for (const m of unknownMounts(revert)) {
    problems.push({ path: ['revert', 'volumeMounts', m, 'name'], message: `mounts volume "${revert.volumeMounts?.[m]?.name}", which is not under this revert's volumes (declared: ${(revert.volumes ?? []).map((v) => v.name).join(', ') || 'none'})` });
  }
  return problems;
}

/** The same, as a run document stores it (the image resolved). */
export const runJobSpecSchema = z.object({ image: z.string(), ...jobSpecShapes(z.object), backoffLimit: z.number().int().nonnegative() });
export type RunJobSpec = z.infer<typeof runJobSpecSchema>;

/** What a failed Job does to the run: end it (and roll back per the checklist), or carry on. */
export const JOB_FAILURE_POLICIES = ['fail', 'continue'] as const;

/** Env names the API server would refuse. */
export function badEnvNames(env: Record<string, unknown> | undefined): string[] {
  return Object.keys(env ?? {}).filter((name) => !ENV_NAME.test(name));
}

/** Volume mounts that name no volume of the step: the API server would refuse the Job with 422. */
export function unknownMounts(spec: { volumes?: Array<{ name: string }> | undefined; volumeMounts?: Array<{ name: string }> | undefined }): number[] {
  const names = new Set((spec.volumes ?? []).map((volume) => volume.name));
  return (spec.volumeMounts ?? []).flatMap((mount, index) => (names.has(mount.name) ? [] : [index]));
}
