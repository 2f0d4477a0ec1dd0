import { fenceLog, inlineCode } from '../../format/escape-mrkdwn.js';
import type { RunItem } from '../../run/core/run-schema.js';
import { clip } from './block-kit-limits.js';
import { formatClock } from '../../format/format-duration.js';
import { mentionOf } from '../../format/mention-of.js';

type SignoffItem = Extract<RunItem, { kind: 'signoff' }>;
type CheckItem = Extract<RunItem, { kind: 'check' }>;
type StepItem = Extract<RunItem, { kind: 'step' }>;

export const ITEM_MARK: Record<RunItem['state'], string> = {
  pending: ':white_square:',
  running: ':arrows_counterclockwise:',
  done: ':white_check_mark:',
  failed: ':x:',
  skipped: ':heavy_minus_sign:',
};

function signoffParts(item: SignoffItem): string[] {
  const approvals = item.approvals.map((approval) => {
    const expiry = item.expiresMs === undefined ? '' : `, valid until ${formatClock(approval.at + item.expiresMs)}`;
    return `${mentionOf(approval.by)} at ${formatClock(approval.at)}${expiry}`;
  });
  const count = `approvals ${item.approvals.length}/${item.quorum}`;
  const parts = [approvals.length > 0 ? `${count}: ${approvals.join(', ')}` : count];
  if (item.state !== 'done') parts.push(`needs \`${item.role}\``);
  if (item.expiresMs !== undefined && item.approvals.length === 0) parts.push(`an approval counts for ${Math.round(item.expiresMs / 60_000)} min`);
  if (item.expired && item.expired.length > 0) {
    const who = item.expired.map((approval) => `${mentionOf(approval.by)} (${formatClock(approval.at)})`).join(', ');
    parts.push(`approval by ${who} expired before the phase completed — approve again`);
  }
  return parts;
}

function checkParts(item: CheckItem): string[] {
  const last = item.last;
  if (!last) return item.state === 'running' ? ['measuring…'] : [];
  const value = last.value === undefined ? '' : `measured ${inlineCode(String(last.value))} · `;
  const tries = item.attempts > 1 ? ` (try ${item.attempts} of ${item.retries + 1})` : '';
  return [`${value}${last.message}${tries}`];
}

/** Lines of a finished Job's log shown under its item; the run keeps a few more, the thread the whole log of a failed one. */
const JOB_LINES_SHOWN = 5;
/** Characters of each such line: five fit a section with the rest of the phase, and the fence is never cut. */
const JOB_LINE_CHARS = 200;

function stepParts(item: StepItem): string[] {
  const parts: string[] = [];
  if (item.state === 'running' && item.startedAt !== undefined) parts.push(`since ${formatClock(item.startedAt)}`);
  if (item.action !== 'job' || !item.outcome) {
    if (item.detail) parts.push(item.detail);
    return parts;
  }
  // A failed Job's detail goes on to quote its log for the thread; here the first line says how it ended and
  // a few lines of the log follow, so the message stays short whatever the Job wrote.
  if (item.detail) parts.push(item.detail.split('\n')[0]!);
  if (item.outcome.logTail.length > 0) {
    // The last part, so the fenced block starts on its own line under the item.
    parts.push(`last lines of the log:\n${fenceLog(item.outcome.logTail.slice(-JOB_LINES_SHOWN).map((line) => clip(line, JOB_LINE_CHARS)))}`);
  }
  return parts;
}

/**
 * One item as a line of the message: its state, title, and what people need to know — who ticked it and
 * when, a sign-off's approvals against its quorum with the role it needs, a check's measured value, a
 * running step's progress. Pure.
 */
export function itemLine(item: RunItem): string {
  const parts = [`${ITEM_MARK[item.state]} ${item.title}`];
  switch (item.kind) {
    case 'manual':
      if (item.state === 'done' && item.by && item.at !== undefined) parts.push(`${mentionOf(item.by)} at ${formatClock(item.at)}`);
      else if (item.state === 'pending' && item.role) parts.push(`needs \`${item.role}\``);
      if (item.detail) parts.push(item.detail);
      break;
    case 'signoff':
      parts.push(...signoffParts(item));
      if (item.detail) parts.push(item.detail);
      break;
    case 'check':
      parts.push(...checkParts(item));
      if (item.state === 'failed' && item.detail && item.detail !== item.last?.message) parts.push(item.detail);
      break;
    case 'step':
      parts.push(...stepParts(item));
      break;
  }
  return parts.join(' — ');
}
