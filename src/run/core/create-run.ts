import type { Checklist } from '../../checklist/checklist-schema.js';
import { fillTemplates, type TemplateVariable } from '../../checklist/template-variables.js';
import { durationMs } from './duration-ms.js';
import { toGuardWatch } from './guard-watch.js';
import { RUN_SCHEMA_VERSION, type Run, type RunGuard, type RunPhase, type RunTarget } from './run-schema.js';
import { toRunItem } from './to-run-item.js';

export interface CreateRunInput {
  id: string;
  service: string;
  environment: string;
  version: string;
  target: RunTarget;
  requestedBy: string;
  channel: string;
  checklist: Checklist;
  /** From the environment: wait for a Start click; confirm sign-offs. Default both false. */
  confirm?: { start: boolean; signoffs: boolean };
  /** `--emergency`: why, and the catalog role whose holder (not the requester) must approve it first. */
  emergency?: { reason: string; approver: string };
  /** The commit CI built the version from, and when it was committed (epoch ms), for the lead time. */
  commit?: { sha?: string; at?: number };
}

/** The phase an emergency deploy waits in first: a second person's approval, confirmed in a dialog. */
function emergencyPhase(emergency: { reason: string; approver: string }): RunPhase {
  return {
    id: 'emergency',
    title: 'Emergency override',
    state: 'pending',
    items: [
      {
        id: 'emergency-second-approval',
        kind: 'signoff',
        title: `A second person approves this emergency deploy: ${emergency.reason}`,
        state: 'pending',
        role: emergency.approver,
        quorum: 1,
        allowSelf: false,
        approvals: [],
      },
    ],
  };
}

/** The values `{{name}}` placeholders in a checklist are filled with. */
export function templateValuesFor(input: Omit<CreateRunInput, 'checklist' | 'channel' | 'emergency' | 'commit'>): Record<TemplateVariable, string> {
  return {
    service: input.service,
    version: input.version,
    env: input.environment,
    namespace: input.target.namespace,
    deployment: input.target.deployment,
    container: input.target.container,
    image: input.target.image,
    run: input.id,
    requester: input.requestedBy,
  };
}

/**
 * Instantiates a checklist as a new deploy run: state `pending`, seq 0 (the store writes seq 1), every
 * phase and item `pending`, every string with its template variables filled, durations in milliseconds
 * so workers need not re-read the checklist. Phases with `after` become follow-up phases. An emergency run
 * starts with a phase of its own holding the second approval, and confirms every sign-off in a dialog.
 *
 * @param now - creation time, epoch ms (the core never reads the clock).
 * @throws FlightdeckError `checklist-invalid` if a duration does not parse (only possible when the
 *   checklist bypassed its schema).
 */
export function createRun(input: CreateRunInput, now: number): Run {
  const checklist = fillTemplates(input.checklist, templateValuesFor(input));
  return {
    schemaVersion: RUN_SCHEMA_VERSION,
    id: input.id,
    kind: 'deploy',
    seq: 0,
    service: input.service,
    environment: input.environment,
    version: input.version,
    checklist: input.checklist.name,
    target: structuredClone(input.target),
    requestedBy: input.requestedBy,
    channel: input.channel,
    state: 'pending',
    confirm: { start: input.confirm?.start ?? false, signoffs: (input.confirm?.signoffs ?? false) || input.emergency !== undefined },
    distinctSigners: checklist.distinctSigners,
    ...(input.emergency ? { emergency: { reason: input.emergency.reason, by: input.requestedBy } } : {}),
    ...(input.commit && (input.commit.sha !== undefined || input.commit.at !== undefined) ? { commit: { ...input.commit } } : {}),
    phases: [
      ...(input.emergency ? [emergencyPhase(input.emergency)] : []),
      ...checklist.phases.map((phase): RunPhase => ({
      id: phase.id,
      title: phase.title,
      state: 'pending',
      ...(phase.after === undefined ? {} : { afterMs: durationMs(phase.after, `phase "${phase.id}" after`) }),
      ...(phase.after !== undefined && phase.onFailure === 'page' ? { onFailure: 'page' as const } : {}),
      items: phase.items.map((item) => toRunItem(item, checklist, input.target)),
      })),
    ],
    guards: checklist.guards.map(
      (guard): RunGuard => ({
        id: guard.id,
        title: guard.title,
        probe: guard.probe,
        forMs: durationMs(guard.for, `guard "${guard.id}" for`),
        intervalMs: durationMs(guard.interval, `guard "${guard.id}" interval`),
        action: guard.action,
        noData: guard.noData,
        onError: guard.onError,
        ...(guard.watchFor === undefined ? {} : { watch: toGuardWatch(guard) }),
      }),
    ),
    breaches: [],
    createdAt: now,
    updatedAt: now,
  };
}
