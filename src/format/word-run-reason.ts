import type { RunReason } from '../run/core/run-reason.js';
import { escapeMrkdwn } from './escape-mrkdwn.js';
import { mentionOf } from './mention-of.js';

/**
 * A run's reason as Slack mrkdwn: people as mentions, what they typed escaped. Shared by the run message,
 * its thread and summary (src/slack/views) and `/deploy status` and `history` (commands/). A string reason
 * is flightdeck's own wording (or an older flightdeck's mrkdwn) and is shown as it is.
 */
export function wordRunReason(reason: RunReason): string {
  if (typeof reason === 'string') return reason;
  switch (reason.kind) {
    case 'aborted':
      return `aborted by ${mentionOf(reason.by)}${reason.text ? `: ${escapeMrkdwn(reason.text)}` : ''}`;
    case 'rollback-requested':
      return `rollback requested by ${mentionOf(reason.by)}`;
    case 'undoes':
      return `run #${reason.runId} ${wordRunReason(reason.cause)}`;
  }
}
