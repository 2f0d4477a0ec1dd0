import type { KnownBlock } from '@slack/types';
import type { WindowState } from '../../deploy-windows/window-state.js';
import { inlineCode, escapeMrkdwn } from '../../format/escape-mrkdwn.js';
import { formatDuration } from '../../format/format-duration.js';
import { mentionOf } from '../../format/mention-of.js';
import type { DryRunPlan, PlannedItem, PlannedLock } from '../../queue/dry-run/dry-run-plan.js';
import { formatDateTime, MAX_BLOCKS, packLines } from './block-kit-limits.js';

const ITEM_MARK: Readonly<Record<PlannedItem['kind'], string>> = { step: ':gear:', check: ':mag:', signoff: ':lock_with_ink_pen:', manual: ':ballot_box_with_check:' };

/**
 * The plan of `/deploy … --dry-run` as an ephemeral message: what would change (from the API server's dry
 * run), the checklist as it would run, sign-offs and who holds them, what stands in the way now, and the way
 * back. Values from the cluster are shown as inline code, escaped. Pure.
 */
export function renderDryRun(plan: DryRunPlan): { text: string; blocks: KnownBlock[] } {
  const title = `Dry run: ${plan.service} ${plan.version} to ${plan.environment} — nothing was changed`;
  const sections: Array<[string, string[]]> = [
    ['What would change', changeLines(plan)],
    [`Checklist \`${plan.checklist}\` as it would run`, checklistLines(plan)],
    ['Sign-offs it needs', signoffLines(plan)],
    ['In effect now', [lockLine(plan.lock), windowLine(plan.window)]],
    [`Guards replayed over the last ${span(plan.replay.rangeMs)} of the running version`, replayLines(plan)],
    ['The way back', backLines(plan)],
  ];
  const blocks: KnownBlock[] = [{ type: 'header', text: { type: 'plain_text', text: title.slice(0, 150) } }];
  for (const [heading, lines] of sections) {
    for (const text of packLines([`*${heading}*`, ...lines])) {
      if (blocks.length < MAX_BLOCKS) blocks.push({ type: 'section', text: { type: 'mrkdwn', text } });
    }
  }
  return { text: title, blocks };
}

function changeLines(plan: DryRunPlan): string[] {
  if (plan.writes.length === 0) return ['No step of the checklist writes to the cluster.'];
  return plan.writes.flatMap((write) => {
    const head = `• ${write.step}: ${write.verb} ${write.kind} ${inlineCode(write.name)}`;
    if (write.changes.length === 0) return [`${head} — already as it would be: no change`];
    return [head, ...write.changes.map((change) => `    ${change.field}: ${change.from === undefined ? '(none)' : inlineCode(change.from)} → ${change.to === undefined ? '(removed)' : inlineCode(change.to)}`)];
  });
}

function checklistLines(plan: DryRunPlan): string[] {
  const lines = plan.phases.flatMap((phase, p) => [
    `${p + 1}. *${escapeMrkdwn(phase.title)}*${phase.after === undefined ? '' : ` (follow-up, ${phase.after} after success)`}`,
    ...phase.items.map((item) => `    ${ITEM_MARK[item.kind]} ${escapeMrkdwn(item.title)}${item.detail === undefined ? '' : ` — ${escapeMrkdwn(item.detail)}`}`),
  ]);
  const guards = plan.guards.map(
    (guard) => `    :shield: ${escapeMrkdwn(guard.title)} — for ${guard.for}, then ${guard.action}${guard.watch ? `; watches ${guard.watch.for} after success, then ${guard.watch.action}` : ''}`,
  );
  return guards.length === 0 ? lines : [...lines, 'Guards, from the rollout until the run ends:', ...guards];
}

function signoffLines(plan: DryRunPlan): string[] {
  if (plan.signoffs.length === 0) return ['None.'];
  return plan.signoffs.map((signoff) => {
    const holders = [...signoff.users.map((user) => `<@${user}>`), ...signoff.groups.map((group) => `<!subteam^${group}>`)];
    const who = holders.length === 0 ? 'nobody holds it in the catalog' : `held by ${holders.join(', ')}`;
    return `• ${escapeMrkdwn(signoff.title)}: ${signoff.quorum} of role \`${signoff.role}\` (${who})`;
  });
}

function lockLine(lock: PlannedLock): string {
  switch (lock.kind) {
    case 'free':
      return ':unlock: No lock: the target is free.';
    case 'run':
      return `:lock: Run #${lock.runId} (\`${lock.version}\`, by ${mentionOf(lock.requestedBy)}) holds the target: a deploy now would be refused until it ends.`;
    case 'person':
      return `:lock: Locked by ${mentionOf(lock.by)}: ${escapeMrkdwn(lock.reason)}. A deploy now would be refused until it is unlocked.`;
  }
}

function windowLine(window: WindowState): string {
  if (window.open) return ':large_green_circle: Deploy window open, no freeze.';
  const opens = window.opensAt === undefined ? 'no opening in the next 60 days' : `opens ${formatDateTime(window.opensAt)}`;
  if (window.kind === 'frozen') {
    const by = window.freeze.by === undefined ? '' : ` by ${mentionOf(window.freeze.by)}`;
    return `:snowflake: Frozen${by} until ${formatDateTime(window.freeze.until)}: ${escapeMrkdwn(window.freeze.reason)}. A deploy now would be refused (${opens}).`;
  }
  return `:red_circle: Outside the deploy windows (${window.timeZone}): a deploy now would be refused (${opens}).`;
}

function backLines(plan: DryRunPlan): string[] {
  const target = plan.rollbackTarget;
  const pinned = `Rollback target it would pin: revision ${target.revision === '' ? '(none yet)' : target.revision}, ${inlineCode(target.image)}.`;
  if (plan.rollbackPlan.length === 0) return [pinned, 'No rollback plan in the checklist.'];
  return [pinned, 'After a rollback, the rollback plan:', ...plan.rollbackPlan.map((item) => `    ${ITEM_MARK[item.kind]} ${escapeMrkdwn(item.title)}${item.detail === undefined ? '' : ` — ${escapeMrkdwn(item.detail)}`}`)];
}

function replayLines(plan: DryRunPlan): string[] {
  if (plan.replay.guards.length === 0) return ['The checklist has no guards.'];
  const range = span(plan.replay.rangeMs);
  return plan.replay.guards.map((line) => {
    const title = escapeMrkdwn(line.title);
    if ('unavailable' in line) return `• ${title}: not replayed: ${escapeMrkdwn(line.unavailable)}`;
    const { breaches, longestMs, evaluated } = line.replay;
    if (evaluated === 0) return `• ${title}: no data in the last ${range}, so nothing to replay`;
    if (breaches === 0) return `• ${title} would not have breached in the last ${range} (for ${line.for})`;
    return `• ${title} would have breached ${breaches === 1 ? 'once' : `${breaches} times`} in the last ${range} (longest ${span(longestMs)})`;
  });
}

/** `24h`, `4m`, `1h 30m`: formatDuration without the zero parts a whole span would show. */
function span(ms: number): string {
  return formatDuration(ms).replace(/ 00[ms]$/, '');
}
