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
}
