import type { Run } from '../run/run-schema.js';

/**
 * The port through which workers show a run to people. The queue layer knows nothing of Slack; the Slack
 * implementation lives in `src/slack/`.
 */
export interface RunNotifier {
  /** Posts the run's living message for the first time; resolves to the message id (Slack `ts`). */
  post(run: Run): Promise<string>;
  /** Replaces the living message in place with the run's current rendering. */
  update(run: Run, messageTs: string): Promise<void>;
  /**
   * Replies in the run message's thread (mrkdwn).
   *
   * @throws FlightdeckError `usage` when the run message has not been posted yet (the caller retries later).
   */
  postThread(run: Run, text: string): Promise<void>;
  /** Posts the deployment summary in the run message's thread; throws like `postThread`. */
  postSummary(run: Run): Promise<void>;
  /** Posts the reminder of a due follow-up phase, with its buttons, in the run message's thread; throws like `postThread`. */
  postPhaseReminder(run: Run, phaseId: string): Promise<void>;
}
