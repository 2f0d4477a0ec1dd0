import type { Run } from '../../run/core/run-schema.js';

/** What a breached guard's alert shows; the Slack implementation decides how it looks. */
export interface IncidentAlert {
  guardId: string;
  guardTitle: string;
  /** What flightdeck does about it: roll back at once, page the on-call (run paused), or only tell people. */
  action: 'rollback' | 'page' | 'notify';
  /** The guard could not confirm its condition (no data, errors) for the whole window; it pages instead of rolling back. */
  inconclusive: boolean;
  /** Measured values against the threshold, and since when. */
  detail: string;
  /** When the breach was recorded, epoch ms. */
  at: number;
  /**
   * A rollback breach of a run that ran Jobs nothing can undo (their titles): the run holds instead of rolling
   * back, and the on-call is paged to roll the image back anyway or hold.
   */
  held?: string[];
  /** Who was paged, or why nobody could be; absent until known. */
  onCall?: string;
}

/**
 * The port through which alert and paging jobs reach people. The queue layer knows nothing of Slack; the
 * Slack implementation is `src/slack/slack-incident-notifier.ts`. Methods reject with coded errors
 * (`slack-failed` is retried, `slack-rejected` is not).
 */
export interface IncidentNotifier {
  /** Posts the alert in the run's channel and, when the run has a message, in its thread; resolves to the channel message's ts. */
  postAlert(run: Run, alert: IncidentAlert): Promise<string>;
  /** Rewrites the channel alert (e.g. to say who was paged). */
  updateAlert(run: Run, alertTs: string, alert: IncidentAlert): Promise<void>;
  /** The Slack user with this email, or undefined when there is none. */
  findUserByEmail(email: string): Promise<string | undefined>;
  /** A DM to the on-call with Rollback and Acknowledge buttons (for a held run: roll the image back anyway, and Hold). */
  sendOnCallDm(userId: string, run: Run, alert: IncidentAlert): Promise<void>;
  /** A reply in the run's thread (or the channel when the run has no message yet). */
  postThreadNote(run: Run, text: string): Promise<void>;
}
