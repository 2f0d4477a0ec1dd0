import type { KnownBlock } from '@slack/types';
import { FlightdeckError } from '../../errors/flightdeck-error.js';
import type { Run } from '../../run/core/run-schema.js';
import { clip, MAX_SECTION_TEXT } from './block-kit-limits.js';
import { phaseBlocks } from './phase-blocks.js';
import { mentionOf } from '../../format/mention-of.js';

/** A message for one follow-up phase: the reminder posted in the run's thread when it falls due. */
export interface PhaseReminder {
  text: string;
  blocks: KnownBlock[];
}

/**
 * The reminder for a due follow-up phase, with a button per open item; clicks on it act on the run like
 * the buttons of the run message. Pure; re-rendered after each click so it shows who ticked what.
 *
 * @throws FlightdeckError `item-not-found` when the run has no such phase.
 */
export function renderPhaseReminder(run: Run, phaseId: string, options: { confirmSignoffs?: boolean } = {}): PhaseReminder {
  const phase = run.phases.find((candidate) => candidate.id === phaseId);
  if (!phase) throw new FlightdeckError('item-not-found', `Run ${run.id} has no phase "${phaseId}".`);
  const open = phase.items.filter((item) => item.state === 'pending').length;
  const status = phase.state === 'active' ? `${open} of ${phase.items.length} still open` : `it is ${phase.state}`;
  const intro = `:alarm_clock: Follow-up for run #${run.id} (${run.service} \`${run.version}\` in *${run.environment}*, requested by ${mentionOf(run.requestedBy)}): ${status}.`;
  const blocks: KnownBlock[] = [
    { type: 'section', block_id: 'reminder', text: { type: 'mrkdwn', text: clip(intro, MAX_SECTION_TEXT) } },
    ...phaseBlocks(run, phase, options.confirmSignoffs ?? run.confirm.signoffs),
  ];
  return { text: `Follow-up "${phase.title}" for run #${run.id} is due`, blocks: blocks.slice(0, 50) };
}
