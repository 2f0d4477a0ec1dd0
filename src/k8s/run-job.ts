import type { V1Job, V1Pod } from '@kubernetes/client-node';
import { FlightdeckError } from '../errors/flightdeck-error.js';
import type { ClusterClient } from './create-cluster-access.js';
import { toK8sError } from './to-k8s-error.js';
import { watchUntil } from './watch-until.js';

export interface RunJobOptions {
  namespace: string;
  /** The Job's name; a Job of this name that already exists is reused, not re-created (a retried step). */
  name: string;
  image: string;
  command?: string[];
  args?: string[];
  env?: Record<string, string>;
  /** Pod failures tolerated before the Job fails; default 0 (a smoke test that flakes should say so). */
  backoffLimit?: number;
  /** The run the Job belongs to, set as its `flightdeck.dev/run` label (find a run's Jobs with `-l`). */
  runId: string;
  /**
   * ServiceAccount the pod runs as, with its token mounted. Default: none asked for — the namespace's
   * `default` account with no token mounted, since a smoke test that calls the API server should say so.
   */
  serviceAccount?: string;
  /** Lines of the failed pod's log to return; default 20. */
  logLines?: number;
  /** Longest wait for the Job to finish, from the first call to `now`. */
  timeoutMs: number;
  now: () => number;
  /** Aborting stops the wait (rejects with `signal.reason` if it is a FlightdeckError, else 'internal'). */
  signal?: AbortSignal;
}

export interface RunJobResult {
  succeeded: boolean;
  /** True when an existing Job of the same name was reused. */
  reused: boolean;
  /** The Job's terminal condition message, e.g. "Job has reached the specified backoff limit". */
  message: string;
  /** On failure: the last `logLines` lines of the newest pod's log (empty when unreadable; see logError). */
  logTail: string[];
  podName?: string;
  /** Why the log could not be read, when it could not (the Job verdict stands regardless). */
  logError?: string;
}

const JOB_NAME_LABEL = 'batch.kubernetes.io/job-name';
/** The label naming the run a Job was created for. */
const RUN_LABEL = 'flightdeck.dev/run';
/** Finished Jobs (and their pods) are removed by the TTL controller after this long: enough to read their logs. */
export const JOB_TTL_SECONDS = 3600;
/** Requests and limits of a smoke Job's container: a probe, not a workload. */
export const JOB_RESOURCES = { requests: { cpu: '50m', memory: '64Mi' }, limits: { memory: '256Mi' } };

/**
 * Runs a Job to its end: creates it (restartPolicy Never; reuses an existing Job of that name), then
 * list+watches it until its Complete or Failed condition, resuming across dropped watches and 410s.
 * A failed Job resolves with `succeeded: false` and the tail of its pod's log, so the caller can show why.
 * Throws only FlightdeckErrors: rollout-timeout after `timeoutMs`, the toK8sError mapping for API failures
 * (k8s-conflict / k8s-unavailable are worth retrying: a re-run reuses the Job).
 */
export async function runJob(client: ClusterClient, o: RunJobOptions): Promise<RunJobResult> {
  const what = `job ${o.namespace}/${o.name}`;
  const deadline = o.now() + o.timeoutMs;
  const reused = await createOrReuse(client, o, what);
  const verdict = await watchUntil(client, {
    path: `/apis/batch/v1/namespaces/${encodeURIComponent(o.namespace)}/jobs`,
    fieldSelector: `metadata.name=${o.name}`,
    what,
    list: async () => {
      const l = await client.batch.listNamespacedJob({ namespace: o.namespace, fieldSelector: `metadata.name=${o.name}` });
      return { items: l.items, resourceVersion: l.metadata?.resourceVersion };
    },
    judge: (obj) => {
      const conditions = (obj as V1Job).status?.conditions ?? [];
      const end = conditions.find((c) => (c.type === 'Complete' || c.type === 'Failed') && c.status === 'True');
      return end ? { succeeded: end.type === 'Complete', message: end.message ?? end.reason ?? end.type } : undefined;
    },
    deadline,
    now: o.now,
    timeout: () =>
      new FlightdeckError('rollout-timeout', `Timed out after ${Math.round(o.timeoutMs / 1000)}s waiting for ${what} to finish`, {
        remedy: `Check it with kubectl describe job/${o.name} -n ${o.namespace}, or raise the step timeout.`,
      }),
    ...(o.signal ? { signal: o.signal } : {}),
  });
  if (verdict.succeeded) return { ...verdict, reused, logTail: [] };
  return { ...verdict, reused, ...(await logTail(client, o)) };
}

/**
 * The Job flightdeck creates: restricted Pod Security (non-root, no privilege escalation, all capabilities
 * dropped, RuntimeDefault seccomp, read-only root), bounded resources, a deadline the API server enforces
 * even if flightdeck dies, a TTL that removes it after it ends, and no service-account token unless asked.
 */
export function jobManifest(o: RunJobOptions): V1Job {
  const env = Object.entries(o.env ?? {}).map(([name, value]) => ({ name, value }));
  const container = {
    name: 'job',
    image: o.image,
    ...(o.command ? { command: o.command } : {}),
    ...(o.args ? { args: o.args } : {}),
    ...(env.length > 0 ? { env } : {}),
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
      activeDeadlineSeconds: Math.max(1, Math.ceil(o.timeoutMs / 1000)),
      ttlSecondsAfterFinished: JOB_TTL_SECONDS,
      template: {
        metadata: { labels },
        spec: {
          restartPolicy: 'Never',
          automountServiceAccountToken: o.serviceAccount !== undefined,
          ...(o.serviceAccount ? { serviceAccountName: o.serviceAccount } : {}),
          securityContext: { runAsNonRoot: true, seccompProfile: { type: 'RuntimeDefault' } },
          containers: [container],
        },
      },
    },
  };
}

async function createOrReuse(client: ClusterClient, o: RunJobOptions, what: string): Promise<boolean> {
  const body = jobManifest(o);
  try {
    await client.batch.createNamespacedJob({ namespace: o.namespace, body });
    return false;
  } catch (err) {
    const mapped = toK8sError(err, 'create', what);
    if (mapped.code !== 'k8s-conflict') throw mapped;
    // AlreadyExists is a 409 too: only an existing Job makes it a reuse; otherwise the conflict stands.
    try {
      await client.batch.readNamespacedJob({ name: o.name, namespace: o.namespace });
    } catch {
      throw mapped;
    }
    return true;
  }
}

async function logTail(client: ClusterClient, o: RunJobOptions): Promise<Pick<RunJobResult, 'logTail' | 'podName' | 'logError'>> {
  let pods: V1Pod[];
  try {
    pods = (await client.core.listNamespacedPod({ namespace: o.namespace, labelSelector: `${JOB_NAME_LABEL}=${o.name}` })).items;
  } catch (err) {
    return { logTail: [], logError: toK8sError(err, 'list', `pods of job ${o.namespace}/${o.name}`).message };
  }
  const newest = pods.sort((a, b) => (a.metadata?.creationTimestamp?.getTime() ?? 0) - (b.metadata?.creationTimestamp?.getTime() ?? 0)).at(-1);
  const podName = newest?.metadata?.name;
  if (!podName) return { logTail: [], logError: `job ${o.namespace}/${o.name} has no pods left to read a log from` };
  try {
    const text = await client.core.readNamespacedPodLog({ name: podName, namespace: o.namespace, tailLines: o.logLines ?? 20 });
    const lines = String(text).split('\n');
    if (lines.at(-1) === '') lines.pop();
    return { logTail: lines, podName };
  } catch (err) {
    return { logTail: [], podName, logError: toK8sError(err, 'get', `log of pod ${o.namespace}/${podName}`).message };
  }
}
