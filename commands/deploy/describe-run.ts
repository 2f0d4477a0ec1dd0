import { escapeMrkdwn } from '../../src/format/escape-mrkdwn.js';
import type { LockInfo } from '../../src/run/store/manual-lock.js';
import type { RunSummary } from '../../src/run/store/run-summary.js';
import { isTerminal, type Run } from '../../src/run/core/run-schema.js';
import { formatClock, formatDuration } from '../../src/format/format-duration.js';
import { wordRunReason } from '../../src/format/word-run-reason.js';
import { mentionOf } from '../../src/format/mention-of.js';

/*
 * One line per run or lock, for `/deploy status` and `/deploy history`. Pure: the clock comes in.
 */

/** `2024-11-22 14:02 UTC`: history spans days, so the date is part of it. */
export function formatDateTime(epochMs: number): string {
  return `${new Date(epochMs).toISOString().slice(0, 16).replace('T', ' ')} UTC`;
}

function what(run: Run): string {
  const kind = run.kind === 'rollback' ? `rollback${run.rollbackOf ? ` of #${run.rollbackOf}` : ''} to ` : '';
  return `#${run.id} ${kind}*${run.service}* \`${run.version}\` → ${run.environment}`;
}

/** An active run: `#12 *api* `v1.4.2` → production: waiting, by <@U…>, since 14:02 UTC (3m 05s)`. */
export function activeRunLine(run: Run, now: number): string {
  const paused = run.paused ? ` by ${mentionOf(run.paused.by)}` : '';
  return `${what(run)}: ${run.state}${paused}, requested by ${mentionOf(run.requestedBy)}, since ${formatClock(run.createdAt)} (${formatDuration(now - run.createdAt)})`;
}

/** A run in a service's history: version, who, outcome, when, how long. */
export function historyLine(run: RunSummary, now: number): string {
  const rollback = run.kind === 'rollback' ? ` (rollback${run.rollbackOf ? ` of #${run.rollbackOf}` : ''})` : '';
  const outcome = isTerminal(run.state) ? run.state : `${run.state}, not finished`;
  const took = run.endedAt !== undefined ? `took ${formatDuration(run.endedAt - run.createdAt)}` : `for ${formatDuration(now - run.createdAt)} so far`;
  const why = run.reason && run.state !== 'succeeded' ? ` — ${wordRunReason(run.reason)}` : '';
  return `#${run.id} \`${run.version}\` → ${run.environment}${rollback}: *${outcome}*, by ${mentionOf(run.requestedBy)}, ${formatDateTime(run.createdAt)}, ${took}${why}`;
}

/** A lock not held by a run: who, since when, why. Run-held locks are shown as their runs. */
export function lockLine(lock: LockInfo): string | undefined {
  const { holder } = lock;
  const where = `*${lock.service}* in ${lock.environment}`;
  if (holder.kind === 'manual') return `:lock: ${where}: locked by ${mentionOf(holder.by)} since ${formatDateTime(holder.at)}: ${escapeMrkdwn(holder.reason)}`;
  if (holder.kind === 'unknown') return `:lock: ${where}: locked by something flightdeck does not know (\`${holder.value.slice(0, 60)}\`)`;
  return undefined;
}
