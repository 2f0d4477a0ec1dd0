import type { RollbackIntent } from '../src/use-cases/rollback-intent.js';

/**
 * A dialog a command asks the Slack edge to open: which one, with the data it shows. Commands never build
 * Block Kit (src/slack does), so a reply names the dialog instead of carrying its view.
 */
export type ModalRequest =
  | { kind: 'deploy'; channelId: string }
  /** `summary` (mrkdwn) says what will happen; the dialog's submission starts the rollback. */
  | { kind: 'rollback-confirm'; intent: RollbackIntent; summary: string };
