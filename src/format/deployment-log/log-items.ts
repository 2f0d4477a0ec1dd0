import type { RunItem, RunPhase } from '../../run/core/run-schema.js';
import { formatDuration } from '../format-duration.js';
import { code, inline, logTime, personOf, type PeopleNames } from './log-text.js';

const BOX: Readonly<Record<RunItem['state'], string>> = { done: '[x]', failed: '[ ]', skipped: '[-]', pending: '[ ]', running: '[ ]' };

/** What happened to a person's item: who ticked it or signed off, with the role they signed as, and when. */
function peopleOutcome(item: Extract<RunItem, { kind: 'manual' | 'signoff' }>, people: PeopleNames): string {
  if (item.kind === 'manual') {
    const role = item.role ? ` (role ${code(item.role)})` : '';
    if (item.state === 'done' && item.by) return `ticked by ${personOf(item.by, people)}${item.at ? ` at ${logTime(item.at)}` : ''}${role}`;
    return `${item.state}${role}`;
  }
  const approvals = item.approvals.map((approval) => `${personOf(approval.by, people)} at ${logTime(approval.at)}`);
  const signed = `sign-off as ${code(item.role)}, ${item.approvals.length} of ${item.quorum}`;
  const expired = item.expired && item.expired.length > 0 ? `; expired: ${item.expired.map((approval) => personOf(approval.by, people)).join(', ')}` : '';
  return approvals.length > 0 ? `${signed}: approved by ${approvals.join(', ')}${expired}` : `${signed}: not signed off (${item.state})${expired}`;
}

/** What a worker's item gave: a check's result and tries, a step's action, outcome and time taken. */
function workerOutcome(item: Extract<RunItem, { kind: 'check' | 'step' }>): string {
  const when = item.at !== undefined && item.state !== 'pending' && item.state !== 'running' ? ` at ${logTime(item.at)}` : '';
  const took = item.startedAt !== undefined && item.at !== undefined && item.at >= item.startedAt && (item.state === 'done' || item.state === 'failed')
    ? `, took ${formatDuration(item.at - item.startedAt)}`
    : '';
  const detail = item.detail ? `: ${inline(item.detail)}` : '';
  if (item.kind === 'check') {
    const result = item.state === 'done' ? 'passed' : item.state;
    const tries = item.attempts > 0 ? `, ${item.attempts} ${item.attempts === 1 ? 'try' : 'tries'}` : '';
    const measured = item.last && !item.detail ? `: ${inline(item.last.message)}` : detail;
    return `check ${result}${when}${tries}${took}${measured}`;
  }
  const result = item.state === 'done' ? 'succeeded' : item.state;
  return `step \`${item.action}\` ${result}${when}${took}${detail}`;
}

/** One checklist item as a Markdown task line: a box, its title, and who or what completed it when. */
export function itemLine(item: RunItem, people: PeopleNames): string {
  const outcome = item.kind === 'manual' || item.kind === 'signoff' ? peopleOutcome(item, people) : workerOutcome(item);
  return `- ${BOX[item.state]} ${inline(item.title)} — ${outcome}`;
}

/** A phase's heading: its title and state, and for a follow-up when it is (or was) due. */
export function phaseHeading(phase: RunPhase): string {
  const followUp = phase.afterMs !== undefined ? ` (follow-up, ${formatDuration(phase.afterMs)} after success${phase.dueAt !== undefined ? `, due ${logTime(phase.dueAt)}` : ''})` : '';
  return `### ${inline(phase.title)}${followUp} — ${phase.state}`;
}
