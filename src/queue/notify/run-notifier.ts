import type { ThreadNote } from '../../run/core/thread-note.js';
import type { AuditEntry, Run } from '../../run/core/run-schema.js';
import type { StatsChartJob } from './stats-chart-job.js';

/** A Job pod's log as the thread gets it. `requestedBy`: the user who asked for it (absent: the Job failed). */
export interface JobLogFile {
  itemTitle: string;
  jobName: string;
  podName: string;
  content: string;
  requestedBy?: string;
}

/** What the deployment log shared with the summary is written from: the run's audit entries, read at `now`. */
export interface SummaryLog {
  audit: readonly AuditEntry[];
  now: number;
}

/**
 * The port through which workers show a run to people. The queue layer knows nothing of Slack; the Slack
 * implementation lives in `src/slack/`.
 */
export interface RunNotifier {
  /**
   * Posts the run's living message for the first time, marked so that {@link findPosted} can find it, and
   * resolves to the message id (Slack `ts`). Makes one attempt: when the answer is lost the message may
   * exist anyway, so the caller looks for it before posting again.
   */
  post(run: Run): Promise<string>;
  /**
   * The id of the run's message if one was posted at or after `sinceMs` (epoch ms), else undefined (also
   * when the search gave up before reaching `sinceMs`).
   *
   * @throws FlightdeckError `slack-rejected` when Slack refuses the search (no history scope, bot not in
   *   the channel); `slack-failed` when it may work later.
   */
  findPosted(run: Run, sinceMs: number): Promise<string | undefined>;
  /** Replaces the living message in place with the run's current rendering. */
  update(run: Run, messageTs: string): Promise<void>;
  /**
   * A digest of the living message {@link post} and {@link update} send for the run: two runs with the same
   * digest show people the same message, so an edit from one to the other would change nothing they see.
   */
  shownDigest(run: Run): string;
  /**
   * Replies in the run message's thread, worded from the note.
   *
   * @throws FlightdeckError `usage` when the run message has not been posted yet (the caller retries later).
   */
  postThread(run: Run, note: ThreadNote): Promise<void>;
  /**
   * Posts the deployment summary in the run message's thread; with `log`, as the message that shares the
   * deployment log (as {@link postLog} writes it) there, one reply for both. Throws like `postThread`.
   */
  postSummary(run: Run, log?: SummaryLog): Promise<void>;
  /**
   * Uploads the run's deployment log, written from the run and its audit entries at `now`, as a Markdown
   * file in the run message's thread (Slack's files.uploadV2 flow); `followUp`: posted again because a
   * follow-up phase ended. Throws like `postThread`.
   */
  postLog(run: Run, audit: readonly AuditEntry[], now: number, followUp?: boolean): Promise<void>;
  /** Posts the announcement of an emergency deploy in `channel` (the environment's audit channel), outside any thread. */
  postAnnouncement(run: Run, channel: string): Promise<void>;
  /** Draws the deployments-per-day chart of a `/deploy stats` answer and sends it to `chart.requestedBy` directly (a PNG file). */
  postStatsChart(chart: StatsChartJob): Promise<void>;
  /**
   * Uploads a `job` step's whole pod log as a text file in the run message's thread (files.uploadV2), titled
   * with the Job, the pod and the step, and who asked for it when someone did. Throws like `postThread`.
   */
  postJobLog(run: Run, log: JobLogFile): Promise<void>;
  /** Posts the reminder of a due follow-up phase, with its buttons, in the run message's thread; throws like `postThread`. */
  postPhaseReminder(run: Run, phaseId: string): Promise<void>;
}
