import type { KnownBlock } from '@slack/types';
import type { Run, RunItem, RunPhase, RunState } from '../run/run-schema.js';
import { formatClock, formatDuration } from './format-duration.js';

/** Slack's limits: a section's text and the number of blocks and elements a message may hold. */
export const MAX_SECTION_TEXT = 3000;
export const MAX_BLOCKS = 50;
export const MAX_ACTIONS_PER_BLOCK = 25;
const MAX_BUTTON_TEXT = 75;

export const TICK_ACTION_PREFIX = 'item.tick';

const STATE_LABEL: Record<RunState, string> = {
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

const ITEM_MARK: Record<RunItem['state'], string> = {
  pending: ':white_square:',
  running: ':arrows_counterclockwise:',
  done: ':white_check_mark:',
  failed: ':x:',
  skipped: ':heavy_minus_sign:',
};

export interface RunMessage {
  /** Plain-text fallback: notifications and screen readers use it. */
  text: string;
  blocks: KnownBlock[];
}

function clip(text: string, max: number): string {
  return text.length > max ? `${text.slice(0, max - 1)}…` : text;
}

function itemLine(item: RunItem): string {
  const parts = [`${ITEM_MARK[item.state]} ${item.title}`];
  if (item.state === 'done' && item.kind === 'manual' && item.by && item.at !== undefined) {
    parts.push(`— <@${item.by}> at ${formatClock(item.at)}`);
  }
  if (item.detail) parts.push(`— ${item.detail}`);
  return parts.join(' ');
}

function phaseBlocks(run: Run, phase: RunPhase, folded: boolean): KnownBlock[] {
  const done = phase.items.filter((item) => item.state === 'done').length;
  const heading = `*${phase.title}* (${done}/${phase.items.length})`;
  if (folded) {
    return [{ type: 'context', elements: [{ type: 'mrkdwn', text: clip(`:white_check_mark: ${heading}`, MAX_SECTION_TEXT) }] }];
  }
  const blocks: KnownBlock[] = [
    {
      type: 'section',
      block_id: `phase-${phase.id}`,
      text: { type: 'mrkdwn', text: clip([heading, ...phase.items.map(itemLine)].join('\n'), MAX_SECTION_TEXT) },
    },
  ];
  if (phase.state !== 'active') return blocks;
  const tickable = phase.items.filter((item) => item.kind === 'manual' && item.state === 'pending');
  for (let start = 0; start < tickable.length; start += MAX_ACTIONS_PER_BLOCK) {
    blocks.push({
      type: 'actions',
      block_id: `tick-${phase.id}-${start / MAX_ACTIONS_PER_BLOCK}`,
      elements: tickable.slice(start, start + MAX_ACTIONS_PER_BLOCK).map((item) => ({
        type: 'button' as const,
        action_id: `${TICK_ACTION_PREFIX}.${item.id}`,
        value: `${run.id}:${item.id}`,
        text: { type: 'plain_text' as const, text: clip(`Done: ${item.title}`, MAX_BUTTON_TEXT) },
      })),
    });
  }
  return blocks;
}

function outcomeLine(run: Run): string | undefined {
  if (run.endedAt === undefined) return undefined;
  const took = `after ${formatDuration(run.endedAt - run.createdAt)}`;
  if (run.state === 'succeeded') return `:white_check_mark: *Succeeded* ${took}. \`${run.target.image}\` is live.`;
  const reason = run.reason ? `\n${run.reason}` : '';
  const kept = run.rollbackTarget ? `\nThe revision before this run was ${run.rollbackTarget.revision} (\`${run.rollbackTarget.image}\`).` : '';
  return clip(`*${STATE_LABEL[run.state]}* ${took}.${reason}${kept}`, MAX_SECTION_TEXT);
}

/**
 * The living checklist message, rendered purely from the run document. Finished phases fold into one
 * line each when the message would otherwise exceed Slack's block limit.
 */
export function renderRunMessage(run: Run): RunMessage {
  const title = `Deploy ${run.service} ${run.version} to ${run.environment}`;
  const header: KnownBlock[] = [
    { type: 'header', text: { type: 'plain_text', text: clip(title, 150) } },
    {
      type: 'context',
      elements: [
        {
          type: 'mrkdwn',
          text: `Run #${run.id} · requested by <@${run.requestedBy}> · \`${run.target.image}\` · ${STATE_LABEL[run.state]}`,
        },
      ],
    },
  ];
  const outcome = outcomeLine(run);
  const footer: KnownBlock[] = outcome ? [{ type: 'section', block_id: 'outcome', text: { type: 'mrkdwn', text: outcome } }] : [];
  const build = (fold: boolean) => run.phases.flatMap((phase) => phaseBlocks(run, phase, fold && phase.state === 'done'));
  let phases = build(false);
  if (header.length + phases.length + footer.length > MAX_BLOCKS) phases = build(true);
  if (header.length + phases.length + footer.length > MAX_BLOCKS) {
    const room = MAX_BLOCKS - header.length - footer.length - 1;
    const hidden = phases.length - room;
    phases = [...phases.slice(0, room), { type: 'context', elements: [{ type: 'mrkdwn', text: `…and ${hidden} more blocks` }] }];
  }
  return { text: `${title}: ${run.state}`, blocks: [...header, ...phases, ...footer] };
}
