import type { V1Job } from '@kubernetes/client-node';
import { FlightdeckError } from '../errors/flightdeck-error.js';
import { jobManifest, type JobManifestOptions } from './job-manifest.js';
import type { ClusterClient } from './create-cluster-access.js';
import { JOB_CONTAINER, newestJobPod, readJobPodLog } from './read-job-log.js';
import { toK8sError } from './to-k8s-error.js';
import { watchUntil } from './watch-until.js';

export interface RunJobOptions extends Omit<JobManifestOptions, 'deadlineSeconds'> {
  /** Lines of the pod's log to return in `logTail`; default 20. */
  logLines?: number;
  /** Also read the log tail when the Job succeeds (a `job` step shows it); default: only on failure. */
  logOnSuccess?: boolean;
  /** Longest wait for the Job to finish, from the first call to `now`; also the Job's activeDeadlineSeconds. */
  timeoutMs: number;
  /**
   * How much longer than `timeoutMs` to wait; default 0. The API server ends the Job at its deadline with
   * DeadlineExceeded: waiting a little past it reports that verdict, with the Job's state, rather than a timeout.
   */
  graceMs?: number;
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
  /** On failure (or with logOnSuccess): the last `logLines` lines of the newest pod's log (empty when unreadable; see logError). */
  logTail: string[];
  podName?: string;
  /** The exit code of the newest pod's container, when its status reports one. */
  exitCode?: number;
  /** Why the log could not be read, when it could not (the Job verdict stands regardless). */
  logError?: string;
}

/**
 * Runs a Job to its end: creates it (restartPolicy Never; reuses an existing Job of that name), then
 * list+watches it until its Complete or Failed condition, resuming across dropped watches and 410s.
 * A failed Job resolves with `succeeded: false` and the tail of its pod's log, so the caller can show why.
 * Throws only FlightdeckErrors: rollout-timeout after `timeoutMs`, the toK8sError mapping for API failures
 * (k8s-conflict / k8s-unavailable are worth retrying: a re-run reuses the Job).
 */
export async function runJob(client: ClusterClient, o: RunJobOptions): Promise<RunJobResult> {
  const what = `job ${o.namespace}/${o.name}`;
  const deadline = o.now() + o.timeoutMs + (o.graceMs ?? 0);
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
      new FlightdeckError('rollout-timeout', `Timed out after ${Math.round((o.timeoutMs + (o.graceMs ?? 0)) / 1000)}s waiting for ${what} to finish`, {
        remedy: `Check it with kubectl describe job/${o.name} -n ${o.namespace}, or raise the step timeout.`,
      }),
    ...(o.signal ? { signal: o.signal } : {}),
  });
  if (verdict.succeeded && !o.logOnSuccess) return { ...verdict, reused, logTail: [] };
  return { ...verdict, reused, ...(await readLogTail(client, o)) };
}

async function createOrReuse(client: ClusterClient, o: RunJobOptions, what: string): Promise<boolean> {
  const body = jobManifest({ ...o, deadlineSeconds: o.timeoutMs / 1000 });
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

/** The newest pod's log tail and exit code; a log it cannot read is reported, not thrown. */
async function readLogTail(client: ClusterClient, o: RunJobOptions): Promise<Pick<RunJobResult, 'logTail' | 'podName' | 'exitCode' | 'logError'>> {
  let newest: Awaited<ReturnType<typeof newestJobPod>>;
  try {
    newest = await newestJobPod(client, o.namespace, o.name);
  } catch (err) {
    return { logTail: [], logError: toK8sError(err, 'list', `pods of job ${o.namespace}/${o.name}`).message };
  }
  const podName = newest?.metadata?.name;
  if (!newest || !podName) return { logTail: [], logError: `job ${o.namespace}/${o.name} has no pods left to read a log from` };
  const exitCode = newest.status?.containerStatuses?.find((c) => c.name === JOB_CONTAINER)?.state?.terminated?.exitCode;
  const found = { podName, ...(exitCode === undefined ? {} : { exitCode }) };
  try {
    return { ...found, logTail: await readJobPodLog(client, { namespace: o.namespace, podName, tailLines: o.logLines ?? 20 }) };
  } catch (err) {
    return { ...found, logTail: [], logError: toK8sError(err, 'get', `log of pod ${o.namespace}/${podName}`).message };
  }
}
