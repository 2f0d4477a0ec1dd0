import type { JobReport, RunEvent } from './run-event.js';
import type { RunStepItem } from './run-item-schema.js';
import { FLIGHTDECK_ACTOR } from './run-event.js';
import { endRun, locate, record, type NextState, type RunDraft } from './run-draft.js';

type StepEvent<T extends RunEvent['type']> = Extract<RunEvent, { type: T }>;

/** Progress is display state, not a decision: changes the running step's detail only. */
export function applyStepProgress(draft: RunDraft, event: StepEvent<'step-progress'>): NextState {
  const { item } = locate(draft.run, event.itemId);
  if (item.kind !== 'step' || item.state !== 'running' || item.detail === event.detail) return null;
  // The final detail is audited when the step ends; a watch may report many lines per rollout that would
  // only flood the audit stream.
  item.detail = event.detail;
  return draft.run.state;
}

export function applyStepSucceeded(draft: RunDraft, event: StepEvent<'step-succeeded'>): NextState {
  const { item } = locate(draft.run, event.itemId);
  if (item.kind !== 'step' || item.state !== 'running') return null;
  Object.assign(item, { state: 'done', by: FLIGHTDECK_ACTOR, at: draft.now, detail: event.detail });
  record(draft, FLIGHTDECK_ACTOR, 'step.succeeded', `${item.id}: ${event.detail}`);
  recordJob(draft, item, event.job);
  return draft.run.state;
}

export function applyStepFailed(draft: RunDraft, event: StepEvent<'step-failed'>): NextState {
  const { item } = locate(draft.run, event.itemId);
  if (item.kind !== 'step' || item.state !== 'running') return null;
  Object.assign(item, { state: 'failed', by: FLIGHTDECK_ACTOR, at: draft.now, detail: event.reason });
  record(draft, FLIGHTDECK_ACTOR, 'step.failed', `${item.id}: ${event.reason}`);
  draft.effects.push({ type: 'thread', note: { kind: 'step-failed', itemTitle: item.title, reason: event.reason } });
  recordJob(draft, item, event.job);
  // `failed` means the release is bad; `error` means flightdeck or the infrastructure broke. They stay
  // distinct so nobody blames a release for a 403 from the API server.
  const next = endRun(draft, event.outcome, event.reason, FLIGHTDECK_ACTOR);
  if (event.page) draft.effects.push({ type: 'page-failure', detail: event.reason });
  return next;
}

/** Characters of log per thread reply: a part fits one Slack message with room for its heading. */
const JOB_LOG_PART_CHARS = 3500;

/** Lines in parts of at most JOB_LOG_PART_CHARS characters (a longer line is cut), in order. */
function logParts(log: readonly string[]): string[][] {
  const parts: string[][] = [[]];
  let size = 0;
  for (const raw of log) {
    const line = raw.length > JOB_LOG_PART_CHARS ? `${raw.slice(0, JOB_LOG_PART_CHARS - 1)}…` : raw;
    if (size + line.length + 1 > JOB_LOG_PART_CHARS && parts.at(-1)!.length > 0) {
      parts.push([]);
      size = 0;
    }
    parts.at(-1)!.push(line);
    size += line.length + 1;
  }
  return parts;
}

/**
 * Keeps a `job` step's outcome on the run and tells the thread: the last lines of a Job that succeeded when
 * none of its log was streamed there while it ran, and the whole log of one that failed, as a file.
 */
function recordJob(draft: RunDraft, item: RunStepItem, job: JobReport | undefined): void {
  if (!job || item.action !== 'job') return;
  item.outcome = structuredClone(job.outcome);
  const { jobName, podName, status, logTail } = job.outcome;
  if (status === 'failed') {
    draft.effects.push({ type: 'job-log-file', itemId: item.id });
    return;
  }
  if (logTail.length > 0 && item.logStream === undefined) {
    draft.effects.push({ type: 'thread', note: { kind: 'job-log', itemTitle: item.title, jobName, ...(podName ? { podName } : {}), lines: [...logTail], part: 1, parts: 1, tail: true } });
  }
}

/**
 * A running Job's next log lines reach the thread, in parts, and the run keeps how far they got, in the same
 * write: a step resumed elsewhere reads on from there. A new pod (the Job's next try) starts again at its
 * line 0; lines from elsewhere than where the run got (a report repeated after a kill, a gap) change nothing.
 */
export function applyJobLogStreamed(draft: RunDraft, event: StepEvent<'job-log-streamed'>): NextState {
  const { item } = locate(draft.run, event.itemId);
  if (item.kind !== 'step' || item.action !== 'job' || item.state !== 'running' || event.lines.length === 0) return null;
  const reached = item.logStream?.podName === event.podName ? item.logStream.lines : 0;
  if (event.from !== reached) return null;
  item.logStream = { podName: event.podName, lines: reached + event.lines.length };
  const parts = logParts(event.lines);
  let firstLine = reached + 1;
  for (const [index, lines] of parts.entries()) {
    const note = { kind: 'job-log' as const, itemTitle: item.title, jobName: event.jobName, podName: event.podName, lines, part: index + 1, parts: parts.length, firstLine };
    draft.effects.push({ type: 'thread', note });
    firstLine += lines.length;
  }
  return draft.run.state;
}

/** Another run acts on the target now: this one stops without touching the cluster again. */
export function applyLockLost(draft: RunDraft, event: StepEvent<'lock-lost'>): NextState {
  const { run } = draft;
  const { item } = locate(run, event.itemId);
  if (item.kind !== 'step' || item.state !== 'running') return null;
  const holder = event.holder ? `run #${event.holder}` : 'nobody';
  return endRun(draft, 'aborted', `step "${item.title}" found the lock of ${run.service} in ${run.environment} held by ${holder}, so it changed nothing`, FLIGHTDECK_ACTOR);
}

/**
 * Pinned: a retried set-image step re-reads the Deployment after its own patch; replacing the target then
 * would make "rollback" restore the bad release.
 */
export function applyRollbackTargetRecorded(draft: RunDraft, event: StepEvent<'rollback-target-recorded'>): NextState {
  const { run } = draft;
  if (run.rollbackTarget) return null;
  run.rollbackTarget = structuredClone(event.target);
  record(draft, FLIGHTDECK_ACTOR, 'rollback-target.recorded', `revision ${event.target.revision} (${event.target.image})`);
  return run.state;
}

export function applySummaryPosted(draft: RunDraft): NextState {
  if (draft.run.summaryPosted) return null;
  draft.run.summaryPosted = true;
  return draft.run.state;
}
