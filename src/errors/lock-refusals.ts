import { entry } from './catalogue-entry.js';
import { mentionOf } from '../format/mention-of.js';

/*
 * What a person reads when a target's lock stands in the way (src/run/store, src/use-cases and the gate
 * hand over the data). Slack mrkdwn, like the rest of the catalogue.
 */

/** The run holding a lock, as refusals name it. */
interface HolderRef {
  id: string;
  version: string;
  state: string;
  requestedBy?: string;
}

interface Target {
  service: string;
  environment: string;
}

function holderLine(holder: HolderRef): string {
  return `\`${holder.version}\`${holder.requestedBy ? `, requested by ${mentionOf(holder.requestedBy)}` : ''}, ${holder.state}`;
}

export const LOCK_REFUSALS = {
  'lock-not-held': entry({
    code: 'usage',
    text: ({ service, environment }: { service: string; environment: string }) => `\`${service}\` in ${environment} is not locked.`,
  }),
  'lock-held-by-active-run': entry({
    code: 'target-locked',
    text: ({ service, environment, runId }: { service: string; environment: string; runId: string }) =>
      `\`${service}\` in ${environment} is held by run #${runId}, which is still active.`,
    remedy: ({ runId }: { runId: string }) => `End the run instead, which releases its lock: flightdeck runs end ${runId} --reason <why>.`,
  }),
  'lock-changed-while-releasing': entry({
    code: 'target-locked',
    text: ({ service, environment }: { service: string; environment: string }) =>
      `The lock of \`${service}\` in ${environment} changed while it was being released; nothing was released.`,
    remedy: () => 'Look again with /deploy status and release it if it should still go.',
  }),
  'rollback-in-flight': entry({
    code: 'target-locked',
    text: ({ service, environment, runId }: Target & { runId: string }) => `\`${service}\` in ${environment} is already being rolled back by run #${runId}.`,
    remedy: () => 'Wait for that rollback to finish; its result is in its thread.',
  }),
  'deploy-in-flight': entry({
    code: 'target-locked',
    text: ({ service, environment, holder }: Target & { holder: HolderRef }) => `\`${service}\` is already being deployed to ${environment} by run #${holder.id} (${holderLine(holder)}).`,
    remedy: () => 'Wait for that run to finish, then deploy again.',
  }),
  'rollback-beside-run': entry({
    code: 'target-locked',
    text: ({ service, environment, holder }: Target & { holder: HolderRef }) =>
      `Run #${holder.id} (${holderLine(holder)}) is in progress on \`${service}\` in ${environment}; this rollback would act beside it.`,
    remedy: ({ service, environment, holder }) => `Use run #${holder.id}'s own buttons, or \`/rollback ${service} ${environment}\` to undo run #${holder.id}.`,
  }),
  'undo-beside-run': entry({
    code: 'target-locked',
    text: ({ service, environment, holder, runId }: Target & { holder: HolderRef; runId: string }) =>
      `Run #${holder.id} (${holderLine(holder)}) is in progress on \`${service}\` in ${environment}, so run #${runId} cannot be rolled back now.`,
    remedy: ({ service, environment, holder }) =>
      `Use run #${holder.id}'s own Pause or Abort buttons in its message, or \`/rollback ${service} ${environment}\` to undo run #${holder.id}.`,
  }),
  'undo-not-newest': entry({
    code: 'target-locked',
    text: ({ service, environment, runId, newestId }: Target & { runId: string; newestId: string }) =>
      `Run #${runId} is no longer the newest run of \`${service}\` in ${environment}: run #${newestId} came after it.`,
    remedy: ({ service, environment }) => `Use \`/rollback ${service} ${environment}\` to roll back what runs now, or \`to <revision>\` for a chosen revision.`,
  }),
  'lock-beside-run': entry({
    code: 'target-locked',
    text: ({ service, environment, holder }: Target & { holder: HolderRef }) => `\`${service}\` in ${environment} is being deployed by run #${holder.id} (${holderLine(holder)}).`,
    remedy: () => 'Lock it once that run has finished, or cancel the run first.',
  }),
  'locked-by-unknown': entry({
    code: 'target-locked',
    text: ({ service, environment, value }: Target & { value: string }) => `\`${service}\` in ${environment} is locked (${value}).`,
    remedy: () => 'Ask whoever locked it, or unlock it with /deploy unlock.',
  }),
  'not-locked': entry({
    code: 'usage',
    text: ({ service, environment }: Target) => `\`${service}\` in ${environment} is not locked.`,
  }),
  'unlock-run-lock': entry({
    code: 'target-locked',
    text: ({ service, environment, runId }: Target & { runId: string }) => `\`${service}\` in ${environment} is held by run #${runId}, not by a person's lock.`,
    remedy: ({ runId }) => `The lock goes when the run ends; to stop it, use /deploy cancel ${runId}.`,
  }),
  'rollback-base-changed': entry({
    code: 'store-conflict',
    text: ({ runId }: { runId: string }) => `Run ${runId} changed while its rollback was being started.`,
    remedy: () => 'Try again in a moment.',
  }),
};
