import type { HomeView, KnownBlock } from '@slack/types';
import type { ServiceKeys } from '../../../commands/deploy/show-stats.js';
import { formatKeys } from '../../../commands/deploy/show-stats.js';
import type { ActiveFreeze } from '../../deploy-windows/window-state.js';
import { escapeMrkdwn } from '../../format/escape-mrkdwn.js';
import { formatDuration } from '../../format/format-duration.js';
import type { Run } from '../../run/core/run-schema.js';
import type { LockInfo } from '../../run/store/manual-lock.js';
import { formatDateTime, packLines } from './block-kit-limits.js';

/** Slack's limit for a Home tab (a message allows 50). */
export const MAX_HOME_BLOCKS = 100;

/** What one person's Home tab shows, read for them when they open it. */
export interface HomeData {
  userId: string;
  /** The catalog roles the person holds: their sign-offs are the pending ones of these roles. */
  roles: readonly string[];
  activeRuns: readonly Run[];
  locks: readonly LockInfo[];
  freezes: readonly { environment: string; freeze: ActiveFreeze }[];
  /** The latest runs of each service, newest first. */
  recent: readonly { service: string; runs: readonly Run[] }[];
  keys: readonly ServiceKeys[];
  /** The range the keys cover. */
  keysDays: number;
  now: number;
}

function runName(run: Run): string {
  return `#${run.id} *${escapeMrkdwn(run.service)}* \`${escapeMrkdwn(run.version)}\` → ${escapeMrkdwn(run.environment)}`;
}

/** The items of the run's active phases that wait for a person: sign-offs and manual checks not done. */
function waitingItems(run: Run) {
  return run.phases.filter((phase) => phase.state === 'active').flatMap((phase) => phase.items.filter((item) => item.state === 'pending' && (item.kind === 'signoff' || item.kind === 'manual')));
}

/** Sign-offs of active runs the person may give now: their role, not yet given by them, and not their own run unless allowed. */
export function signoffsFor(userId: string, roles: readonly string[], runs: readonly Run[]): string[] {
  return runs.flatMap((run) =>
    waitingItems(run).flatMap((item) => {
      if (item.kind !== 'signoff' || !roles.includes(item.role)) return [];
      if (item.approvals.some((approval) => approval.by === userId)) return [];
      if (!item.allowSelf && run.requestedBy === userId) return [];
      return [`• ${runName(run)}: sign-off *${escapeMrkdwn(item.title)}* as ${escapeMrkdwn(item.role)} (${item.approvals.length} of ${item.quorum}) — in <#${run.channel}>`];
    }),
  );
}

function activeLine(run: Run, now: number): string {
  const waiting = waitingItems(run).map((item) => escapeMrkdwn(item.title));
  const on = waiting.length > 0 ? `; waiting on ${waiting.join(', ')}` : '';
  return `• ${runName(run)}: ${run.state} for ${formatDuration(now - run.updatedAt)}${on} — <#${run.channel}>`;
}

function recentLine(run: Run): string {
  const took = run.endedAt === undefined ? 'not finished' : formatDuration(run.endedAt - run.createdAt);
  const kind = run.kind === 'rollback' ? ' (rollback)' : '';
  return `• #${run.id}${kind} \`${escapeMrkdwn(run.version)}\` → ${escapeMrkdwn(run.environment)}: ${run.state}, ${formatDateTime(run.createdAt)}, ${took}`;
}

/**
 * The person's Home tab: what waits for them first, then active runs, locks and freezes, recent runs per
 * service, and the four keys. Sections are packed to Slack's 3000 characters and the whole view cut to its
 * 100 blocks, the cut said in the last block. Pure.
 */
export function buildHomeView(data: HomeData): HomeView {
  const parts: Array<{ title: string; lines: string[]; empty: string }> = [
    { title: 'Waiting for you', lines: signoffsFor(data.userId, data.roles, data.activeRuns), empty: 'No sign-off waits for you.' },
    { title: 'Active runs', lines: data.activeRuns.map((run) => activeLine(run, data.now)), empty: 'Nothing is being deployed.' },
    {
      title: 'Locks and freezes',
      lines: [
        ...data.locks.flatMap((lock) => (lock.holder.kind === 'manual' ? [`• *${escapeMrkdwn(lock.service)}* in ${escapeMrkdwn(lock.environment)} locked by <@${lock.holder.by}>: ${escapeMrkdwn(lock.holder.reason)}`] : [])),
        ...data.freezes.map(({ environment, freeze }) => `• *${escapeMrkdwn(environment)}* frozen until ${formatDateTime(freeze.until)}${freeze.by ? ` by <@${freeze.by}>` : ''}: ${escapeMrkdwn(freeze.reason)}`),
      ],
      empty: 'Nothing is locked or frozen.',
    },
    ...data.recent.map(({ service, runs }) => ({ title: `Recent runs of ${service}`, lines: runs.map(recentLine), empty: 'No runs yet.' })),
    { title: `The four keys, last ${data.keysDays} days`, lines: data.keys.map(formatKeys), empty: 'No service in the catalog.' },
  ];
  const blocks: KnownBlock[] = [{ type: 'header', text: { type: 'plain_text', text: 'flightdeck' } }];
  for (const part of parts) {
    blocks.push({ type: 'section', text: { type: 'mrkdwn', text: `*${escapeMrkdwn(part.title)}*` } });
    for (const text of packLines(part.lines.length > 0 ? part.lines : [part.empty])) blocks.push({ type: 'section', text: { type: 'mrkdwn', text } });
  }
  if (blocks.length > MAX_HOME_BLOCKS) {
    blocks.length = MAX_HOME_BLOCKS - 1;
    blocks.push({ type: 'context', elements: [{ type: 'mrkdwn', text: 'More than a Home tab can show: `/deploy status` and `/deploy history` list the rest.' }] });
  }
  return { type: 'home', blocks };
}
