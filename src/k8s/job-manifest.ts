import type { V1EnvVar, V1Job } from '@kubernetes/client-node';
import type { RunJobSpec } from '../checklist/job-step-schema.js';

/** What the pod of a flightdeck Job runs: the `job` step's spec, of which a smoke Job uses the literal part. */
export type JobPodSpec = Omit<RunJobSpec, 'backoffLimit' | 'serviceAccountName'>;

export interface JobManifestOptions {
  namespace: string;
  name: string;
  /** The run the Job belongs to, set as its `flightdeck.dev/run` label (find a run's Jobs with `-l`). */
  runId: string;
  pod: JobPodSpec;
  /**
   * ServiceAccount the pod runs as, with its token mounted. Default: none asked for — the namespace's
   * `default` account with no token mounted, since a Job that calls the API server should say so.
   */
  serviceAccount?: string;
  /** Pod failures tolerated before the Job fails; default 0 (a Job that flakes should say so). */
  backoffLimit?: number;
  /** The Job's activeDeadlineSeconds: the API server ends it then, even if flightdeck is gone. */
  deadlineSeconds: number;
}

/** The label naming the run a Job was created for. */
const RUN_LABEL = 'flightdeck.dev/run';
/** Finished Jobs (and their pods) are removed by the TTL controller after this long: enough to read their logs. */
export const JOB_TTL_SECONDS = 3600;
/** Requests and limits of a Job's container: a probe or a one-off task, not a workload. */
const JOB_RESOURCES = { requests: { cpu: '50m', memory: '64Mi' }, limits: { memory: '256Mi' } };

/** The step's env as the API's list: literal values, and keys of Secrets and ConfigMaps as `valueFrom`. */
function envList(env: JobPodSpec['env']): V1EnvVar[] {
  return Object.entries(env ?? {}).map(([name, value]) => (typeof value === 'string' ? { name, value } : { name, valueFrom: value }));
}

/**
 * The Job flightdeck creates: restricted Pod Security (non-root, no privilege escalation, all capabilities
 * dropped, RuntimeDefault seccomp, read-only root: a Job that writes needs a volume), bounded resources, a
 * deadline the API server enforces even if flightdeck dies, a TTL that removes it after it ends, and no
 * service-account token unless asked. Pure.
 */
export function jobManifest(o: JobManifestOptions): V1Job {
  const { image, command, args, env, envFrom, volumes, volumeMounts } = o.pod;
  const vars = envList(env);
  const container = {
    name: 'job',
    image,
    ...(command ? { command } : {}),
    ...(args ? { args } : {}),
    ...(vars.length > 0 ? { env: vars } : {}),
    ...(envFrom && envFrom.length > 0 ? { envFrom } : {}),
    ...(volumeMounts && volumeMounts.length > 0 ? { volumeMounts } : {}),
    resources: JOB_RESOURCES,
    securityContext: {
      runAsNonRoot: true,
      allowPrivilegeEscalation: false,
      readOnlyRootFilesystem: true,
      capabilities: { drop: ['ALL'] },
      seccompProfile: { type: 'RuntimeDefault' },
    },
  };
  const labels = { 'app.kubernetes.io/managed-by': 'flightdeck', [RUN_LABEL]: o.runId };
  return {
    apiVersion: 'batch/v1',
    kind: 'Job',
    metadata: { name: o.name, namespace: o.namespace, labels },
    spec: {
      backoffLimit: o.backoffLimit ?? 0,
      activeDeadlineSeconds: Math.max(1, Math.ceil(o.deadlineSeconds)),
      ttlSecondsAfterFinished: JOB_TTL_SECONDS,
      template: {
        metadata: { labels },
        spec: {
          restartPolicy: 'Never',
          automountServiceAccountToken: o.serviceAccount !== undefined,
          ...(o.serviceAccount ? { serviceAccountName: o.serviceAccount } : {}),
          securityContext: { runAsNonRoot: true, seccompProfile: { type: 'RuntimeDefault' } },
          containers: [container],
          ...(volumes && volumes.length > 0 ? { volumes } : {}),
        },
      },
    },
  };
}
