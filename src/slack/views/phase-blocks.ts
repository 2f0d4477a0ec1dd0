import type { Button, KnownBlock } from '@slack/types';
import { isFollowUp } from '../../run/core/run-draft.js';
import type { Run, RunPhase } from '../../run/core/run-schema.js';
import { MAX_ACTIONS_PER_BLOCK, formatDateTime, packLines } from './block-kit-limits.js';
import { itemButton } from './item-buttons.js';
import { itemLine } from './item-line.js';

const PHASE_MARK: Record<RunPhase['state'], string> = {
  pending: ':white_circle:',
  active: ':large_blue_circle:',
  done: ':white_check_mark:',
  failed: ':x:',
  skipped: ':heavy_minus_sign:',
};

/** `:white_check_mark: *Rollout* (3/3)`, with when a follow-up is due. */
export function phaseHeading(phase: RunPhase): string {
  const done = phase.items.filter((item) => item.state === 'done').length;
  const due = isFollowUp(phase) && phase.state === 'pending' && phase.dueAt !== undefined ? ` · due ${formatDateTime(phase.dueAt)}` : '';
  const followUp = isFollowUp(phase) ? 'Follow-up: ' : '';
  return `${PHASE_MARK[phase.state]} ${followUp}*${phase.title}* (${done}/${phase.items.length})${due}`;
}

/** Buttons for the phase's open people items, in actions blocks of at most 25. */
export function phaseButtonBlocks(run: Run, phase: RunPhase, confirmSignoffs: boolean, blockPrefix = 'items'): KnownBlock[] {
  if (phase.state !== 'active') return [];
  const buttons = phase.items.map((item) => itemButton(run, item, confirmSignoffs)).filter((button): button is Button => button !== undefined);
  const blocks: KnownBlock[] = [];
  for (let start = 0; start < buttons.length; start += MAX_ACTIONS_PER_BLOCK) {
    blocks.push({
      type: 'actions',
      block_id: `${blockPrefix}-${phase.id}-${start / MAX_ACTIONS_PER_BLOCK}`,
      elements: buttons.slice(start, start + MAX_ACTIONS_PER_BLOCK),
    });
  }
  return blocks;
}

/** The phase in full: heading and one line per item (split over sections of at most 3000 characters), then its buttons. */
export function phaseBlocks(run: Run, phase: RunPhase, confirmSignoffs: boolean): KnownBlock[] {
  const texts = packLines([phaseHeading(phase), ...phase.items.map(itemLine)]);
  const sections: KnownBlock[] = texts.map((text, index) => ({
    type: 'section',
    block_id: `phase-${phase.id}-${index}`,
    text: { type: 'mrkdwn', text },
  }));
  return [...sections, ...phaseButtonBlocks(run, phase, confirmSignoffs)];
}

/** Several phases folded to one heading line each, packed into as few sections as fit. */
export function foldedPhasesBlocks(phases: readonly RunPhase[], blockId: string): KnownBlock[] {
  if (phases.length === 0) return [];
  return packLines(phases.map(phaseHeading)).map((text, index) => ({
    type: 'section',
    block_id: `${blockId}-${index}`,
    text: { type: 'mrkdwn', text },
  }));
}
