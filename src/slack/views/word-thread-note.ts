import { escapeMrkdwn, fenceLog } from '../../format/escape-mrkdwn.js';
import { formatUtcTime } from '../../run/core/format-utc-time.js';
import { wordRunReason } from '../../format/word-run-reason.js';
import type { ThreadNote } from '../../run/core/thread-note.js';
import { wordWatchEnd } from './word-watch-end.js';
import { formatDateTime } from '../../format/format-duration.js';
import { mentionOf } from '../../format/mention-of.js';

const END_EMOJI = { failed: ':x:', error: ':warning:', aborted: ':no_entry_sign:' } as const;
const BREACH_ACTION = { rollback: 'rolling back now', page: 'paging the on-call; the run is paused', notify: 'no automatic action' } as const;
const WATCH_BREACH_ACTION = { rollback: 'rolling back now', page: 'paging the on-call, who decides on a rollback', notify: 'no automatic action' } as const;

/**
 * The mrkdwn of a reply in a run's thread. Pure. A person's pause reason is escaped here; workload output and
 * probe values in the other notes were escaped where they entered (src/queue/steps, src/probes).
 */
export function wordThreadNote(note: ThreadNote): string {
  switch (note.kind) {
    case 'phase-completed':
      return `:white_check_mark: ${note.followUp ? 'Follow-up' : 'Phase'} *${note.phaseTitle}* completed`;
    case 'run-succeeded':
      return `:white_check_mark: Run #${note.runId} succeeded: \`${note.image}\` is live in ${note.environment}`;
    case 'run-ended':
      return `${END_EMOJI[note.state]} Run #${note.runId} ${note.state}: ${wordRunReason(note.reason)}`;
    case 'paused':
      return `:double_vertical_bar: Paused by ${mentionOf(note.actor)}${note.reason ? `: ${escapeMrkdwn(note.reason)}` : ''}`;
    case 'resumed':
      return `:arrow_forward: Resumed by ${mentionOf(note.actor)} (paused since ${formatUtcTime(note.pausedAt)})`;
    case 'guard-breached':
      return `:rotating_light: Guard *${note.guardTitle}* breached${note.watch ? ' after the run succeeded' : ''}: ${note.detail} — ${(note.watch ? WATCH_BREACH_ACTION : BREACH_ACTION)[note.action]}`;
    case 'watch-started':
      return `:eyes: Watching ${note.guards.map((title) => `*${title}*`).join(', ')} until ${formatDateTime(note.until)}`;
    case 'watch-ended':
      return `:eyes: ${wordWatchEnd(note.end)}`;
    case 'follow-up-failed':
      return `:x: Follow-up *${note.phaseTitle}*: ${note.reason}`;
    case 'follow-up-due':
      return `:alarm_clock: Follow-up *${note.phaseTitle}* for run #${note.runId} is due (${note.items} ${note.items === 1 ? 'item' : 'items'})`;
    case 'step-failed':
      return `:x: Step *${note.itemTitle}* failed: ${note.reason}`;
    case 'job-log': {
      const pod = note.podName ? `, pod \`${note.podName}\`` : '';
      const part = note.parts > 1 ? ` (part ${note.part} of ${note.parts})` : '';
      const what = note.tail ? `Last ${note.lines.length} log ${note.lines.length === 1 ? 'line' : 'lines'}` : 'Log';
      const span = note.firstLine === undefined ? '' : note.lines.length === 1 ? `, line ${note.firstLine}` : `, lines ${note.firstLine}–${note.firstLine + note.lines.length - 1}`;
      return `:page_facing_up: ${what} of job \`${note.jobName}\`${pod}${span} for step *${note.itemTitle}*${part}:\n${fenceLog(note.lines)}`;
    }
    case 'job-log-unavailable':
      return `:warning: The log of job \`${note.jobName}\` for step *${note.itemTitle}* could not be posted: ${escapeMrkdwn(note.why)}`;
    case 'rollback-started':
      return `:rewind: Rollback run #${note.rollbackRunId} started by ${mentionOf(note.actor)}`;
    case 'rollback-finished':
      {
      const detail = note.reason ? `${note.detail}: ${wordRunReason(note.reason)}` : note.detail;
      return note.ok ? `:leftwards_arrow_with_hook: Rolled back: ${detail}` : `:rotating_light: Rollback failed: ${detail}`;
    }
    case 'text':
      return note.text;
  }
}
