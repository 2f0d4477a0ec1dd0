import type { Logger } from '../../observability/create-logger.js';
import type { RunStore } from '../../run/store/run-store.js';
import { runRef } from '../../run/core/run-ref.js';
import type { Run } from '../../run/core/run-schema.js';
import { foldClosingNotes } from '../../run/core/fold-closing-notes.js';
import { transition, type Effect, type RunEvent } from '../../run/core/transition.js';
import type { Queues } from './create-queues.js';
import { notifyJobOf, notifyJobsOf, outboxPayloadOf, type NotifyJob } from './notify-jobs-of.js';
import { enqueuePagerDutyEvent } from '../incidents/pagerduty-events.js';
import { announceJobId, deployLogJobId, jobLogFileJobId, stepJobId } from './job-schemas.js';
import { enqueueSummary } from '../notify/enqueue-summary.js';
import type { DryRunJob } from '../dry-run/dry-run-job.js';
import type { StatsChartJob } from '../notify/stats-chart-job.js';
import { WATCH_END_JOB } from '../guards/guard-scheduler.js';

/** The incident key (in place of a guard id) of a page for a failed run rather than a guard breach. */
export const RUN_FAILURE_INCIDENT = 'run-failure';

/**
 * What a dispatch asks for the run's message besides what its write asked for (every write that changes what the
 * message shows queues its render itself, mark-render-due-lua.ts): `again` (the reconciler asking again for a run
 * behind) puts the run in the render queue unless it is there already; `none` asks nothing more.
 */
export type RenderAsk = 'again' | 'none';

export interface RunEngineOptions {
  store: RunStore;
  queues: Queues;
  /** The clock every transition is stamped with. */
  now: () => number;
  logger: Logger;
  /**
   * Whether the catalog routes the service's incidents to PagerDuty (its `pagerduty`), which hears of every
   * rollout's start and finish through the guards' jobs. Default: every service, so the jobs always run.
   */
  paged?: (service: string) => boolean;
}

/**
 * Applies events to runs and turns their effects into jobs. A transition is committed to Redis first and
 * enqueued second; if the process dies in between, the reconciler finds the run needing work and enqueues
 * it again, and the deterministic job ids make any duplicate collapse.
 */
export class RunEngine {
  constructor(private readonly options: RunEngineOptions) {}

  /**
   * Applies one event with compare-and-set; coded errors from the state machine reach the caller unchanged.
   * `read`, the run as the caller just read it, spares the first read (see UpdateOptions.read).
   */
  async apply(runId: string, event: RunEvent, read?: Run): Promise<Run> {
    const { store, now } = this.options;
    const result = await store.update(runId, (run) => foldClosingNotes(transition(run, event, now())), { ...(read ? { read } : {}), outbox: outboxPayloadOf });
    if (!result.changed) return result.run;
    await this.dispatchWritten(result.run, result.effects);
    return result.run;
  }

  /**
   * Enqueues the work of a write that kept its notify jobs in the run's outbox (outboxPayloadOf), then settles
   * that outbox entry: from then on the jobs are BullMQ's to keep.
   */
  async dispatchWritten(run: Run, effects: readonly Effect[]): Promise<void> {
    await this.dispatch(run, effects);
    if (notifyJobsOf(run, effects).length > 0) await this.options.store.outbox.settle(run.id, run.seq);
  }

  /** Enqueues a notify job a write asked for (notify-jobs-of.ts); one already queued under its id collapses. */
  async enqueueNotify(job: NotifyJob): Promise<void> {
    await this.options.queues.notify.add(job.name, job.data, { jobId: job.jobId });
  }

  /**
   * Enqueues a dry run of a deploy on the steps queue: its cluster calls are a worker's job, never a listener's.
   * Three tries, not a step's six: a person is waiting for the answer, and a refusal is answered, not retried.
   */
  async requestDryRun(job: DryRunJob): Promise<void> {
    await this.options.queues.steps.add('dry-run', job, { attempts: 3 });
  }

  /**
   * Enqueues the announcement of an emergency deploy in `channel` (the environment's audit channel): a job on
   * the notify queue, so a worker that dies or a Slack that refuses for a while only delays it.
   */
  async announceEmergency(run: Run, channel: string): Promise<void> {
    await this.options.queues.notify.add('announce', { runId: run.id, channel }, { jobId: announceJobId(run) });
  }

  /** Enqueues the chart of a `/deploy stats` answer: drawn and uploaded by a worker, never in the ack window. */
  async requestStatsChart(job: StatsChartJob): Promise<void> {
    await this.options.queues.notify.add('stats-chart', job);
  }

  /** Enqueues the work a transition asked for; see {@link RenderAsk} for its message. */
  async dispatch(run: Run, effects: readonly Effect[], render: RenderAsk = 'none'): Promise<void> {
    const { queues } = this.options;
    const ref = runRef(run);
    for (const [index, effect] of effects.entries()) {
      switch (effect.type) {
        case 'run-step':
          await this.enqueueStep(run, effect.itemId);
          break;
        case 'run-check':
          await this.enqueueCheck(run, effect.itemId);
          break;
        case 'schedule-phase':
          await queues.followups.add(
            'phase-due',
            { runId: run.id, phaseId: effect.phaseId },
            { jobId: `phase-${ref}-${effect.phaseId}`, delay: Math.max(0, effect.at - this.options.now()) },
          );
          break;
        case 'schedule-watch-end':
          await queues.followups.add(WATCH_END_JOB, { runId: run.id }, { jobId: `watch-end-${ref}`, delay: Math.max(0, effect.at - this.options.now()) });
          break;
        case 'start-guards':
          if (this.guardsHaveWork(run)) await queues.guards.add('guards-start', { runId: run.id }, { jobId: `guards-start-${ref}` });
          break;
        case 'stop-guards':
          if (this.guardsHaveWork(run)) await queues.guards.add('guards-stop', { runId: run.id }, { jobId: `guards-stop-${ref}` });
          break;
        case 'request-rollback':
          await queues.rollback.add('rollback-request', { runId: run.id, reason: effect.reason }, { jobId: `rollback-request-${ref}` });
          break;
        case 'hold':
          await queues.rollback.add('hold', { runId: run.id }, { jobId: `hold-${ref}` });
          break;
        case 'page':
        case 'notify':
          await this.enqueueNotifyOf(run, effect, index);
          break;
        case 'page-failure':
          await enqueuePagerDutyEvent(queues, {
            kind: 'trigger',
            runId: run.id,
            guardId: effect.incident ?? RUN_FAILURE_INCIDENT,
            breachAt: run.endedAt ?? run.seq,
            severity: 'critical',
            summary: `${run.service} ${run.version} in ${run.environment}: run #${run.id} ${effect.incident ? 'follow-up failed' : 'failed'} — ${effect.detail.split('\n')[0]}`.slice(0, 1024),
          });
          break;
        case 'thread':
          await this.enqueueNotifyOf(run, effect, index);
          // A follow-up phase ended after the log was posted: post it again, with the follow-up's results.
          if ((effect.note.kind === 'phase-completed' && effect.note.followUp) || effect.note.kind === 'follow-up-failed') {
            await queues.notify.add('deploy-log', { runId: run.id, followUp: true }, { jobId: deployLogJobId(run, run.seq) });
          }
          break;
        case 'job-log-file':
          await this.enqueueNotifyOf(run, effect, index);
          break;
        case 'summary':
          // The summary's job uploads the deployment log after it (process-summary.ts).
          await enqueueSummary({ queues, store: this.options.store, logger: this.options.logger }, run);
          break;
      }
    }
    if (render === 'again') await this.enqueueRender(run, 'again');
  }

  private async enqueueNotifyOf(run: Run, effect: Effect, index: number): Promise<void> {
    const job = notifyJobOf(run, effect, index);
    if (job) await this.enqueueNotify(job);
  }

  /**
   * Whether a run's guards' start and stop have anything to do: guards to evaluate, or PagerDuty to tell of the
   * rollout (process-guards-lifecycle.ts). With neither, both jobs would only read the run and stop: about 80
   * Redis commands a run spared.
   */
  private guardsHaveWork(run: Run): boolean {
    return run.guards.length > 0 || this.options.paged?.(run.service) !== false;
  }

  /**
   * A person asked for a `job` step's whole log (`/deploy log <run> <item>`): one upload per `request` (an id
   * the caller makes unique per ask), read from the cluster when its turn in the channel comes.
   */
  async requestJobLog(run: Run, itemId: string, requestedBy: string, request: string): Promise<void> {
    await this.options.queues.notify.add('job-log-file', { runId: run.id, itemId, requestedBy }, { jobId: jobLogFileJobId(run, itemId, request) });
  }

  /** Rollback runs' steps go to their own queue, so they never wait behind deployments. */
  async enqueueStep(run: Run, itemId: string): Promise<void> {
    const queue = run.kind === 'rollback' ? this.options.queues.rollback : this.options.queues.steps;
    await queue.add('step', { runId: run.id, itemId }, { jobId: stepJobId(run, itemId) });
  }

  async enqueueCheck(run: Run, itemId: string): Promise<void> {
    await this.options.queues.steps.add('check', { runId: run.id, itemId }, { jobId: `check-${runRef(run)}-${itemId}` });
  }

  /**
   * A render of the run, asked for again (the reconciler): it joins the render queue unless it is in it already.
   * `late` (the message trailed its run past the bound) also brings forward a render waiting there for a later
   * turn in the channel's line: it then goes ahead of the line (process-render.ts).
   */
  async enqueueRender(run: Run, ask: 'again' | 'late'): Promise<void> {
    await this.options.store.renders.askRender(run.id, ask === 'late');
  }
}
