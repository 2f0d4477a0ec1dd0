import type { KnownBlock } from '@slack/types';
import { itemsOf } from '../../run/core/run-draft.js';
import type { Run } from '../../run/core/run-schema.js';
import { formatClock, formatDuration } from '../../format/format-duration.js';
import { wordRunReason } from '../../format/word-run-reason.js';
import { clip, formatDateTime, MAX_SECTION_TEXT, packLines } from './block-kit-limits.js';
import { wordThreadNote } from './word-thread-note.js';
import { mentionOf } from '../../format/mention-of.js';

/** The deployment summary posted in the run's thread when the run ends. */
export interface RunSummary {
  text: string;
  blocks: KnownBlock[];
}

function signoffLines(run: Run): string[] {
  const lines: string[] = [];
  for (const { item } of itemsOf(run)) {
    if (item.kind !== 'signoff') continue;
    const who = item.approvals.map((approval) => `${mentionOf(approval.by)} at ${formatClock(approval.at)}`).join(', ');
    lines.push(`• ${item.title} (\`${item.role}\`): ${who || `not signed off (${item.state})`}`);
  }
  return lines;
}

function issueLines(run: Run): string[] {
  const lines: string[] = [];
  for (const { item, phase } of itemsOf(run)) {
    if (item.state === 'failed') lines.push(`• ${phase.title} › ${item.title}: ${item.detail ?? 'failed'}`);
  }
  for (const breach of run.breaches) {
    const guard = run.guards.find((candidate) => candidate.id === breach.guardId);
    lines.push(`• Guard ${guard?.title ?? breach.guardId} breached at ${formatClock(breach.at)} (${breach.action}): ${breach.detail}`);
  }
  if (lines.length === 0 && run.reason && run.state !== 'succeeded') lines.push(`• ${wordRunReason(run.reason)}`);
  return lines;
}

function rollbackLine(run: Run): string {
  if (run.rollbackRunId) {
    const outcome = run.state === 'rolled-back' ? 'rolled back' : run.state === 'rollback-failed' ? 'the rollback failed' : 'rollback in progress';
    return `yes — run #${run.rollbackRunId} (${outcome})`;
  }
  if (run.state === 'rollback-failed') return 'yes — but it could not be started';
  return 'no';
}

/** A note's lines, each longer than a section cut into section-sized pieces, so packing clips none of it. */
function piecesOf(note: string): string[] {
  return note.split('\n').flatMap((line) => Array.from({ length: Math.max(1, Math.ceil(line.length / MAX_SECTION_TEXT)) }, (_, i) => line.slice(i * MAX_SECTION_TEXT, (i + 1) * MAX_SECTION_TEXT)));
}

/**
 * The deployment summary: date, who deployed, version, duration, sign-offs, issues met (failed items,
 * guard breaches) and whether a rollback was needed, after the notes of the transition that ended the run. Pure.
 */
export function renderRunSummary(run: Run): RunSummary {
  const ended = run.endedAt ?? run.updatedAt;
  const lines = [
    `*Deployment summary* — run #${run.id}: ${run.service} \`${run.version}\` to *${run.environment}*, ${run.state}`,
    `Date: ${formatDateTime(run.createdAt)} · deployed by ${mentionOf(run.requestedBy)} · version \`${run.version}\` (\`${run.target.image}\`) · took ${formatDuration(ended - run.createdAt)}`,
    '*Sign-offs*',
    ...(signoffLines(run).length > 0 ? signoffLines(run) : ['• none required']),
    '*Issues met*',
    ...(issueLines(run).length > 0 ? issueLines(run) : ['• none']),
    `*Rollback needed:* ${rollbackLine(run)}`,
  ];
  // The ending's own notes come first, as the replies they stand for would have (fold-closing-notes.ts), cut into
  // section-sized pieces rather than clipped: a reply of their own would have said all of a long reason.
  const notes = (run.closingNotes ?? []).map(wordThreadNote);
  const blocks: KnownBlock[] = packLines([...notes.flatMap(piecesOf), ...lines])
    .slice(0, 50)
    .map((text, index) => ({ type: 'section', block_id: `summary-${index}`, text: { type: 'mrkdwn', text } }));
  const title = `Deployment summary for run #${run.id}: ${run.service} ${run.version} to ${run.environment}, ${run.state}`;
  return { text: clip([title, ...notes].join('\n'), MAX_SECTION_TEXT), blocks };
}
