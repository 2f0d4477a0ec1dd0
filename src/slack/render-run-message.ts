import { escapeMrkdwn } from '../format/escape-mrkdwn.js';
import type { KnownBlock } from '@slack/types';
import { isFollowUp } from '../run/core/run-draft.js';
import type { Run, RunPhase, RunState } from '../run/core/run-schema.js';
import { formatClock, formatDateTime, formatDuration } from '../format/format-duration.js';
import { wordRunReason } from '../format/word-run-reason.js';
import { clip, MAX_BLOCKS, MAX_HEADER_TEXT, MAX_SECTION_TEXT } from './views/block-kit-limits.js';
import { foldedPhasesBlocks, phaseBlocks } from './views/phase-blocks.js';
import { runControls } from './views/run-controls.js';
import { mentionOf } from '../format/mention-of.js';
import { wordWatchEnd } from './views/word-watch-end.js';

export const STATE_LABEL: Record<RunState, string> = {
  pending: ':white_circle: pending',
  running: ':large_blue_circle: running',
  waiting: ':hourglass_flowing_sand: waiting for people',
  paused: ':double_vertical_bar: paused',
  succeeded: ':white_check_mark: succeeded',
  failed: ':x: failed',
  'rolling-back': ':rewind: rolling back',
  'rolled-back': ':leftwards_arrow_with_hook: rolled back',
  'rollback-failed': ':rotating_light: rollback failed',
  aborted: ':no_entry_sign: aborted',
  error: ':warning: error',
};

export interface RunMessage {
  /** Plain-text fallback: notifications and screen readers use it. */
  text: string;
  blocks: KnownBlock[];
}

export interface RenderRunMessageOptions {
  /** Sign-off buttons ask for confirmation in a dialog. Default: the run's `confirm.signoffs`. */
  confirmSignoffs?: boolean;
}

function headerBlocks(run: Run): KnownBlock[] {
  const verb = run.kind === 'rollback' ? 'Roll back' : 'Deploy';
  const title = `${verb} ${run.service} ${run.version} to ${run.environment}`;
  const where = `\`${run.target.image}\` → ${run.target.cluster}/${run.target.namespace}/${run.target.deployment}`;
  const lines = [`Run #${run.id} · requested by ${mentionOf(run.requestedBy)} at ${formatClock(run.createdAt)} · ${STATE_LABEL[run.state]}`, where];
  if (run.emergency) lines.push(`:rotating_light: *Emergency override* of deploy windows and freezes: ${escapeMrkdwn(run.emergency.reason)}`);
  if (run.rollbackOf) lines.push(`Undoes run #${run.rollbackOf}`);
  // A rollback run says why it was started while it runs; any other run's reason is its outcome.
  if (run.kind === 'rollback' && run.reason && run.endedAt === undefined) lines.push(`Why: ${wordRunReason(run.reason)}`);
  if (run.rollbackRunId) lines.push(`Rolled back by run #${run.rollbackRunId}`);
  if (run.paused) lines.push(`:double_vertical_bar: Paused by ${mentionOf(run.paused.by)} at ${formatClock(run.paused.at)}${run.paused.reason ? `: ${escapeMrkdwn(run.paused.reason)}` : ''}`);
  return [
    { type: 'header', text: { type: 'plain_text', text: clip(title, MAX_HEADER_TEXT) } },
    { type: 'section', block_id: 'run', text: { type: 'mrkdwn', text: clip(lines.join('\n'), MAX_SECTION_TEXT) } },
  ];
}

function outcomeBlocks(run: Run): KnownBlock[] {
  if (run.endedAt === undefined) return [];
  const took = `after ${formatDuration(run.endedAt - run.createdAt)}`;
  let text: string;
  if (run.state === 'succeeded') text = `:white_check_mark: *Succeeded* ${took}. \`${run.target.image}\` is live.${watchLine(run)}`;
  else {
    const reason = run.reason ? `\n${wordRunReason(run.reason)}` : '';
    const kept = run.rollbackTarget ? `\nThe revision before this run was ${run.rollbackTarget.revision} (\`${run.rollbackTarget.image}\`).` : '';
    text = `*${STATE_LABEL[run.state]}* ${took}.${reason}${kept}`;
  }
  return [{ type: 'section', block_id: 'outcome', text: { type: 'mrkdwn', text: clip(text, MAX_SECTION_TEXT) } }];
}

/** The day-after watch on the outcome: until when it watches, then how it ended. */
function watchLine(run: Run): string {
  const { watch } = run;
  if (!watch) return '';
  if (!watch.end) return `\n:eyes: Guards watching until ${formatDateTime(watch.until)}.`;
  return `\n:eyes: ${wordWatchEnd(watch.end)}${watch.endedAt === undefined ? '' : ` (${formatDateTime(watch.endedAt)})`}.`;
}

function controlBlocks(run: Run): KnownBlock[] {
  const controls = runControls(run);
  return controls.length === 0 ? [] : [{ type: 'actions', block_id: 'controls', elements: controls }];
}

/** How much is folded: 0 nothing, 1 finished phases, 2 also phases not reached yet and follow-ups. */
type FoldLevel = 0 | 1 | 2;

function isFinished(phase: RunPhase): boolean {
  return phase.state === 'done' || phase.state === 'skipped';
}

function phasesAt(run: Run, level: FoldLevel, confirmSignoffs: boolean): KnownBlock[] {
  if (level === 0) return run.phases.flatMap((phase) => phaseBlocks(run, phase, confirmSignoffs));
  const finished = run.phases.filter((phase) => isFinished(phase) && !isFollowUp(phase));
  const open = run.phases.filter((phase) => phase.state === 'active' || phase.state === 'failed');
  const later = run.phases.filter((phase) => !isFinished(phase) && !open.includes(phase) && !isFollowUp(phase));
  const followUps = run.phases.filter((phase) => isFollowUp(phase) && !open.includes(phase));
  const shown = (phases: RunPhase[], id: string) =>
    level === 2 ? foldedPhasesBlocks(phases, id) : phases.flatMap((phase) => phaseBlocks(run, phase, confirmSignoffs));
  return [
    ...foldedPhasesBlocks(finished, 'finished'),
    ...open.flatMap((phase) => phaseBlocks(run, phase, confirmSignoffs)),
    ...shown(later, 'later'),
    ...shown(followUps, 'follow-ups'),
  ];
}

/**
 * The living run message, rendered purely from the run document: who asked, what, where and the state;
 * each phase with its items, who ticked or approved them and when; the buttons that apply; and the
 * outcome once the run ended. Finished phases fold to one line each, then phases not reached yet, when
 * the message would otherwise pass Slack's limits; as a last resort the middle is cut with a note, so
 * the result always holds 50 blocks, 25 elements per actions block and 3000 characters per section.
 */
export function renderRunMessage(run: Run, options: RenderRunMessageOptions = {}): RunMessage {
  const confirmSignoffs = options.confirmSignoffs ?? run.confirm.signoffs;
  const top = headerBlocks(run);
  const bottom = [...controlBlocks(run), ...outcomeBlocks(run)];
  const room = MAX_BLOCKS - top.length - bottom.length;
  let middle = phasesAt(run, 0, confirmSignoffs);
  for (const level of [1, 2] as const) {
    if (middle.length <= room) break;
    middle = phasesAt(run, level, confirmSignoffs);
  }
  if (middle.length > room) {
    const kept = middle.slice(0, room - 1);
    const note = `…${middle.length - kept.length} more blocks of this run are not shown: Slack allows ${MAX_BLOCKS} per message.`;
    middle = [...kept, { type: 'context', block_id: 'cut', elements: [{ type: 'mrkdwn', text: note }] }];
  }
  const verb = run.kind === 'rollback' ? 'Roll back' : 'Deploy';
  return { text: `${verb} ${run.service} ${run.version} to ${run.environment}: ${run.state}`, blocks: [...top, ...middle, ...bottom] };
}
