import { escapeMrkdwn } from '../format/escape-mrkdwn.js';
import { formatClock } from '../format/format-duration.js';
import { entry } from './catalogue-entry.js';
import { mentionOf } from '../format/mention-of.js';

/*
 * What a person reads when a run, one of its items or a target refuses what they asked (src/run/core
 * and src/run/store hand over the data). The words are Slack mrkdwn: people as mentions, what they typed
 * escaped.
 */

/** A run as refusals name it. */
interface RunRef {
  id: string;
  service: string;
  version: string;
  environment: string;
}

interface ItemRef {
  title: string;
}

/** Why a run ended, as the run stored it: a person who aborted it or asked for its rollback, or flightdeck's words. */
type EndCause = { kind: 'aborted' | 'rollback-requested'; by: string; text?: string } | { kind: 'words'; text: string };

const FINAL_STATE_TEXT: Readonly<Record<string, string>> = {
  succeeded: 'it succeeded',
  failed: 'it failed',
  error: 'it stopped with an error',
  'rolled-back': 'it was rolled back',
  'rollback-failed': 'its rollback failed',
  aborted: 'it was aborted',
  'rolling-back': 'it is being rolled back',
};

/** "run 12 (api 1.4.2 to production)". */
function describeRun(run: RunRef): string {
  return `run ${run.id} (${run.service} ${run.version} to ${run.environment})`;
}

function runTitle(run: RunRef): string {
  const text = describeRun(run);
  return text.charAt(0).toUpperCase() + text.slice(1);
}

function wordCause(cause: EndCause): string {
  if (cause.kind === 'words') return cause.text;
  const what = cause.kind === 'aborted' ? 'aborted' : 'rollback requested';
  return `${what} by ${mentionOf(cause.by)}${cause.text ? `: ${escapeMrkdwn(cause.text)}` : ''}`;
}

const at = (epochMs: number) => formatClock(epochMs);

export const RUN_REFUSALS = {
  'run-finished': entry({
    code: 'run-finished',
    text: ({ run, state, cause }: { run: RunRef; state: string; cause?: EndCause }) =>
      `${runTitle(run)} has already finished: ${FINAL_STATE_TEXT[state] ?? `it is ${state}`}${cause ? ` (${wordCause(cause)})` : ''}.`,
    remedy: () => 'Start a new run with /deploy if you want to try again.',
  }),
  // No dedicated code exists for the control refusals; `usage` is the closest: the person asked for
  // something that does not apply to the run as it stands.
  'run-already-started': entry({
    code: 'usage',
    text: ({ run, state }: { run: RunRef; state: string }) => `${runTitle(run)} has already started (it is ${state}).`,
  }),
  'run-not-started': entry({
    code: 'usage',
    text: ({ run, what }: { run: RunRef; what: string }) => `${runTitle(run)} has not started yet, so it cannot be ${what}.`,
    remedy: () => 'Press Start in the run message, or abort it.',
  }),
  'run-already-paused': entry({
    code: 'usage',
    text: ({ run, by, at: when }: { run: RunRef; by?: string; at?: number }) =>
      `${runTitle(run)} is already paused${by !== undefined && when !== undefined ? ` by ${mentionOf(by)} at ${at(when)}` : ''}.`,
  }),
  'run-not-paused': entry({
    code: 'usage',
    text: ({ run, state }: { run: RunRef; state: string }) => `${runTitle(run)} is not paused (it is ${state}).`,
  }),
  'nothing-to-roll-back': entry({
    code: 'usage',
    text: ({ run }: { run: RunRef }) => `${runTitle(run)} never changed the cluster, so there is nothing to roll back.`,
  }),
  'rollback-of-rollback': entry({
    code: 'usage',
    text: ({ runId }: { runId: string }) => `Run ${runId} is itself a rollback; roll back with /rollback and a revision instead.`,
  }),
  'already-rolling-back': entry({
    code: 'usage',
    text: ({ run, state, rollbackRunId }: { run: RunRef; state: string; rollbackRunId?: string }) =>
      `${runTitle(run)} is already ${state === 'rolling-back' ? 'being rolled back' : 'rolled back'}${rollbackRunId ? ` by run ${rollbackRunId}` : ''}.`,
  }),
  'run-not-held': entry({
    code: 'usage',
    text: ({ run, state }: { run: RunRef; state: string }) => `${runTitle(run)} is not held (it is ${state}): only a failed run whose Jobs cannot be undone waits for that decision.`,
  }),
  'no-rollback-in-progress': entry({
    code: 'usage',
    text: ({ run, state }: { run: RunRef; state: string }) => `${runTitle(run)} has no rollback in progress (it is ${state}).`,
  }),
  'not-follow-up': entry({
    code: 'usage',
    text: ({ phase }: { phase: ItemRef }) => `Phase "${phase.title}" is not a follow-up; it runs when the phase before it is done.`,
  }),
  'item-not-found': entry({
    code: 'item-not-found',
    text: ({ run, itemId }: { run: RunRef; itemId: string; checklist: string }) => `${runTitle(run)} has no item "${itemId}".`,
    remedy: ({ checklist }) => `Its checklist is "${checklist}"; use the buttons in the run's message.`,
  }),
  'guard-not-found': entry({
    code: 'item-not-found',
    text: ({ run, guardId }: { run: RunRef; guardId: string }) => `${runTitle(run)} has no guard "${guardId}".`,
  }),
  'phase-not-found': entry({
    code: 'item-not-found',
    text: ({ run, phaseId }: { run: RunRef; phaseId: string }) => `${runTitle(run)} has no phase "${phaseId}".`,
  }),
  'item-runs-itself': entry({
    code: 'item-not-tickable',
    text: ({ item, kind }: { item: ItemRef; kind: 'step' | 'check' }) => `"${item.title}" is ${kind === 'check' ? 'a check' : 'a step'} flightdeck runs itself; it cannot be ticked.`,
  }),
  'item-not-a-signoff': entry({
    code: 'item-not-tickable',
    text: ({ item }: { item: ItemRef }) => `"${item.title}" is a box to tick, not a sign-off.`,
  }),
  'item-is-a-signoff': entry({
    code: 'item-not-tickable',
    text: ({ item }: { item: ItemRef }) => `"${item.title}" is a sign-off: it needs an approval, not a tick.`,
  }),
  'item-before-start': entry({
    code: 'item-not-tickable',
    text: ({ run, item }: { run: RunRef; item: ItemRef }) => `${runTitle(run)} has not started yet, so "${item.title}" cannot be ticked.`,
    remedy: () => 'Press Start in the run message first.',
  }),
  'follow-up-not-due': entry({
    code: 'item-not-tickable',
    text: ({ item, phase, dueAt }: { item: ItemRef; phase: ItemRef; dueAt?: number }) =>
      `"${item.title}" belongs to the follow-up "${phase.title}", which is due ${dueAt === undefined ? 'after the run succeeds' : `at ${new Date(dueAt).toISOString().replace('T', ' ').slice(0, 16)} UTC`}.`,
  }),
  'phase-not-active': entry({
    code: 'item-not-tickable',
    text: ({ item, phase, blocking }: { item: ItemRef; phase: ItemRef; blocking?: ItemRef }) =>
      `"${item.title}" belongs to phase "${phase.title}": ${blocking ? `phase "${blocking.title}" must finish first` : 'an earlier phase must finish first'}.`,
  }),
  'item-not-pending': entry({
    code: 'item-not-tickable',
    text: ({ item, state }: { item: ItemRef; state: string }) => `"${item.title}" cannot be ticked: it is ${state}.`,
  }),
  'item-already-ticked': entry({
    code: 'item-already-done',
    text: ({ item, by, at: when }: { item: ItemRef; by?: string; at?: number }) =>
      `"${item.title}" was already ticked${by ? ` by ${mentionOf(by)}` : ''}${when === undefined ? '' : ` at ${at(when)}`}.`,
  }),
  'already-approved': entry({
    code: 'item-already-done',
    text: ({ item, at: when }: { item: ItemRef; at: number }) => `You already approved "${item.title}" at ${at(when)}.`,
  }),
  'signoff-complete': entry({
    code: 'item-already-done',
    text: ({ item, approvals }: { item: ItemRef; approvals: { by: string; at: number }[] }) =>
      `"${item.title}" was already signed off by ${approvals.map((approval) => `${mentionOf(approval.by)} at ${at(approval.at)}`).join(', ')}.`,
  }),
  'role-required': entry({
    code: 'forbidden',
    text: ({ item, role, verb }: { item: ItemRef; role: string; verb: 'tick' | 'approve' }) => `Only people with the role \`${role}\` may ${verb} "${item.title}".`,
    remedy: ({ role }) => `Ask someone with the role \`${role}\`, or ask whoever maintains flightdeck.yaml to add you to it.`,
  }),
  'self-approval': entry({
    code: 'forbidden',
    text: ({ run, item }: { run: RunRef; item: ItemRef }) =>
      `You requested ${describeRun(run)}, so you may not approve "${item.title}": four-eyes principle, someone else must sign off.`,
  }),
  'requester-may-not-tick': entry({
    code: 'forbidden',
    text: ({ runId, item }: { runId: string; item: ItemRef }) => `You requested run #${runId}, so you may not tick "${item.title}": someone else must check it.`,
    remedy: () => 'Ask a colleague to tick it; the checklist sets `requesterMayTick: true` on items the requester may tick.',
  }),
  'one-signoff-per-person': entry({
    code: 'forbidden',
    text: ({ runId, other }: { runId: string; other: ItemRef }) =>
      `You already signed off "${other.title}" on run #${runId}, and one person counts for at most one sign-off of a run.`,
    remedy: () => 'Ask someone else who holds the role; the checklist says `distinctSigners: true`.',
  }),
  'transition-outside-table': entry({
    code: 'internal',
    text: ({ event, runId, from, to, effect }: { event: string; runId: string; from: string; to: string; effect?: string }) =>
      `Event ${event} on run ${runId} (${from}) ${effect ? `asked for the effect ${effect}, which` : `led to ${to}, which`} its row of the transition table does not list.`,
  }),
  'manually-locked': entry({
    code: 'target-locked',
    text: ({ service, environment, by, at: when, reason }: { service: string; environment: string; by: string; at: number; reason: string }) =>
      `\`${service}\` in ${environment} is locked by ${mentionOf(by)} since ${at(when)}: ${escapeMrkdwn(reason)}`,
    remedy: ({ service, environment, by }) => `Ask ${mentionOf(by)}, or unlock it with /deploy unlock ${service} ${environment}.`,
  }),
};
