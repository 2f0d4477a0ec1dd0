import type { Run } from '../run/core/run-schema.js';
import { escapeMrkdwn } from './escape-mrkdwn.js';
import { mentionOf } from './mention-of.js';

/**
 * The announcement of an emergency deploy: who overrode the windows and freezes, for what, and who must
 * approve it. The same words in the invoking channel (the command's answer) and the environment's audit
 * channel (posted by a worker), so both say the same thing. Undefined for a run that is no emergency.
 */
export function wordEmergencyAnnouncement(run: Run): string | undefined {
  if (!run.emergency) return undefined;
  // createRun puts the emergency phase first, holding the one sign-off of the approver role.
  const approval = run.phases[0]?.items[0];
  const role = approval?.kind === 'signoff' ? approval.role : '?';
  return `:rotating_light: *Emergency deploy* by ${mentionOf(run.emergency.by)}: Run #${run.id}, *${run.service}* \`${run.version}\` to *${run.environment}*, past deploy windows and freezes. Why: ${escapeMrkdwn(run.emergency.reason)}\nIt starts once someone holding \`${role}\` other than the requester approves it in <#${run.channel}>.`;
}
