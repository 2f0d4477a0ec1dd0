import type { KObject, ObjectStore } from './object-store.js';
import { podConfigProblem } from './pod-config-problem.js';
import type { PodLog } from './pod-log.js';
import { type PodState, newPodState, syncPods } from './pod-objects.js';
import { omitZero, timestamp } from './rollout-math.js';

/** Which Jobs an outcome rule applies to: every given field must match (no fields = every Job). */
export interface JobMatch {
  /** The Job's name. */
  name?: string;
  /** The image of any container of the Job's pod template. */
  image?: string;
}

/** How the pods of matching Jobs end. */
export interface JobOutcome {
  succeed: boolean;
  /** The container log of each pod (served by `/pods/{name}/log`), written evenly over the pod's run. */
  logs: string[];
  /** How long each pod runs; default the emulator's readyDelayMs. */
  runMs?: number;
  /** The exit code of a failed pod's container; default 1. */
  exitCode?: number;
}

interface Rule {
  match: JobMatch;
  outcome: JobOutcome;
}

const DEFAULT_OUTCOME: JobOutcome = { succeed: true, logs: [] };

/**
 * A small job controller with the real one's observable behaviour for `parallelism: 1`: one pod at a time,
 * a new pod after each failure until `backoffLimit` failures, then the Failed condition (reason
 * BackoffLimitExceeded); `completions` successes give Complete. Like Kubernetes 1.31+, the terminal condition
 * is preceded by FailureTarget / SuccessCriteriaMet.
 */
export class JobController {
  private readonly rules: Rule[] = [];
  /** Pods per Job uid. */
  private readonly pods = new Map<string, PodState[]>();

  constructor(
    private readonly store: ObjectStore,
    private readonly logs: Map<string, PodLog>,
    private readonly defaultRunMs: number,
  ) {}

  /** Later rules win over earlier ones. */
  addRule(match: JobMatch, outcome: JobOutcome): void {
    this.rules.unshift({ match, outcome });
  }

  private outcomeFor(job: KObject): JobOutcome {
    const images: string[] = (job.spec?.template?.spec?.containers ?? []).map((c: KObject) => String(c.image));
    const rule = this.rules.find((r) => (r.match.name === undefined || r.match.name === job.metadata.name) && (r.match.image === undefined || images.includes(r.match.image)));
    return rule?.outcome ?? DEFAULT_OUTCOME;
  }

  /** Whether a finished Job's ttlSecondsAfterFinished has run out. */
  private expired(job: KObject, now: number): boolean {
    const ttl = job.spec.ttlSecondsAfterFinished;
    if (typeof ttl !== 'number') return false;
    const end = (job.status?.conditions ?? []).find((c: KObject) => (c.type === 'Complete' || c.type === 'Failed') && c.status === 'True');
    return end !== undefined && now >= Date.parse(String(end.lastTransitionTime)) + ttl * 1000;
  }

  reconcileAll(now = Date.now()): void {
    for (const job of this.store.listAll('jobs')) this.reconcile(job, now);
  }

  private reconcile(current: KObject, now: number): void {
    const job = structuredClone(current);
    const status = job.status ?? {};
    const finished = (status.conditions ?? []).some((c: KObject) => (c.type === 'Complete' || c.type === 'Failed') && c.status === 'True');
    const uid = String(job.metadata.uid);
    if (finished && this.expired(job, now)) {
      // The TTL-after-finished controller: the Job goes, and its pods with it (background cascade).
      syncPods(this.store, job, [], now);
      this.store.delete('jobs', String(job.metadata.namespace), String(job.metadata.name));
      this.pods.delete(uid);
      return;
    }
    let pods = this.pods.get(uid);
    if (!pods) {
      pods = [];
      this.pods.set(uid, pods);
    }
    const isDone = (p: PodState) => p.readyAt <= now;
    const succeeded = pods.filter((p) => isDone(p) && p.outcome === 'Succeeded').length;
    const failed = pods.filter((p) => isDone(p) && p.outcome === 'Failed').length;
    const completions = Number(job.spec.completions ?? 1);
    const backoffLimit = Number(job.spec.backoffLimit ?? 6);
    const willFail = failed > backoffLimit;
    const willSucceed = succeeded >= completions;
    if (!finished && !job.spec.suspend && !willFail && !willSucceed && !pods.some((p) => !isDone(p))) {
      const outcome = this.outcomeFor(job);
      const waiting = podConfigProblem(this.store, String(job.metadata.namespace), job.spec.template?.spec ?? {});
      // A pod whose container cannot start never ends by itself: only the Job's deadline ends it.
      const pod = newPodState(String(job.metadata.name), now, waiting ? Number.POSITIVE_INFINITY : now + (outcome.runMs ?? this.defaultRunMs), outcome.succeed ? 'Succeeded' : 'Failed');
      if (waiting?.unschedulable) pod.unschedulable = waiting.message;
      else if (waiting) pod.waiting = { reason: waiting.reason, message: waiting.message };
      else if (!outcome.succeed && outcome.exitCode !== undefined) pod.exitCode = outcome.exitCode;
      this.logs.set(`${job.metadata.namespace}/${pod.name}`, { lines: waiting ? [] : [...outcome.logs], startedAt: now, endsAt: pod.readyAt });
      pods.push(pod);
    }
    const deadline = job.spec.activeDeadlineSeconds;
    const started = status.startTime ? Date.parse(status.startTime) : now;
    const pastDeadline = !finished && !willFail && !willSucceed && typeof deadline === 'number' && now >= started + deadline * 1000;
    // Past activeDeadlineSeconds the controller deletes the Job's running pods and fails it.
    if (pastDeadline) pods.splice(0, pods.length, ...pods.filter(isDone));
    syncPods(this.store, job, pods, now);
    if (finished) return;

    const t = timestamp(now);
    const cond = (type: string, reason?: string, message?: string) => ({
      type, status: 'True', lastProbeTime: t, lastTransitionTime: t, ...(reason ? { reason } : {}), ...(message ? { message } : {}),
    });
    const next: KObject = {
      ...omitZero({ active: pods.filter((p) => !isDone(p)).length, succeeded, failed, ready: 0 }),
      startTime: status.startTime ?? t,
      terminating: 0,
      uncountedTerminatedPods: {},
    };
    if (pastDeadline) {
      next.conditions = [
        cond('FailureTarget', 'DeadlineExceeded', 'Job was active longer than specified deadline'),
        cond('Failed', 'DeadlineExceeded', 'Job was active longer than specified deadline'),
      ];
    } else if (willFail) {
      next.conditions = [
        cond('FailureTarget', 'BackoffLimitExceeded', 'Job has reached the specified backoff limit'),
        cond('Failed', 'BackoffLimitExceeded', 'Job has reached the specified backoff limit'),
      ];
    } else if (willSucceed) {
      next.conditions = [cond('SuccessCriteriaMet', 'CompletionsReached', 'Reached expected number of succeeded pods'), cond('Complete', 'CompletionsReached', 'Reached expected number of succeeded pods')];
      next.completionTime = t;
    }
    if (JSON.stringify(next) !== JSON.stringify(status)) {
      job.status = next;
      this.store.put('jobs', job);
    }
  }
}
