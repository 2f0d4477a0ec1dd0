import { RUN_SCHEMA_VERSION, type Run, type RunTarget } from './run-schema.js';
import type { RunItem, RunStepItem } from './run-item-schema.js';
import type { RunReason } from './run-reason.js';
import { revertsOf } from './job-reverts.js';
import { changedServing } from './run-draft.js';
import { runRef } from './run-ref.js';

export interface CreateRollbackRunInput {
  id: string;
  /** The run being undone; null for a rollback of the service as it stands (`/rollback api production`). */
  of: Run | null;
  service: string;
  environment: string;
  /** Where to roll back, resolved from the catalog (or copied from `of`). */
  target: RunTarget;
  requestedBy: string;
  channel: string;
  /** Why: shown in the message and audit (who asked for it, or the run it undoes and why that run ended). */
  reason: RunReason;
  /** Roll back to this Deployment revision (`kubectl rollout undo --to-revision`) instead of the pinned template. */
  toRevision?: string;
  /** The undone run's checklist's rollback plan: what people do once the rollback rolled out. */
  plan?: RunItem[];
}

/** Ids of the rollback's own steps, which a plan item may not reuse (buttons and jobs are addressed by item id). */
const STEP_IDS = new Set(['switch-back', 'retire-preview', 'restore-traffic', 'rollback', 'wait-rollout']);
const REVERT_PREFIX = 'revert-';

function isStepId(id: string): boolean {
  return STEP_IDS.has(id) || id.startsWith(REVERT_PREFIX);
}

/**
 * The reverts of the undone run's Jobs that ran, last first, as `job` steps of the rollback: a failed revert
 * fails the rollback before the image is restored over a half-reverted database. Besides the rollback run's
 * own variables (FLIGHTDECK_IMAGE and FLIGHTDECK_VERSION are what it restores), the Job is told what it undoes.
 */
function revertSteps(of: Run, previousImage: string | undefined): RunStepItem[] {
  return revertsOf(of).flatMap((item) => {
    if (!item.revert) return [];
    const { timeoutMs, env, ...job } = item.revert;
    const told = {
      FLIGHTDECK_UNDONE_RUN: of.id,
      FLIGHTDECK_UNDONE_RUN_REF: runRef(of),
      FLIGHTDECK_UNDONE_VERSION: of.version,
      FLIGHTDECK_UNDONE_IMAGE: of.target.image,
      FLIGHTDECK_REVERTED_STEP: item.id,
      ...(previousImage ? { FLIGHTDECK_PREVIOUS_IMAGE: previousImage } : {}),
    };
    return [{ id: `${REVERT_PREFIX}${item.id}`, kind: 'step', state: 'pending', action: 'job', title: `Revert: ${item.title}`, job: { ...job, env: { ...told, ...env } }, timeoutMs, onFailure: 'fail' }];
  });
}

/** Whether the run shifted traffic: through a canary (weights, replicas) or a blue-green preview and switch. */
export function trafficShiftsOf(of: Run): { usedCanary: boolean; usedBlueGreen: boolean } {
  const used = (actions: readonly string[]) => of.phases.some((phase) => phase.items.some((item) => item.kind === 'step' && actions.includes(item.action) && item.state !== 'pending'));
  return { usedCanary: used(['canary', 'traffic']), usedBlueGreen: used(['preview', 'switch', 'scale-down']) };
}

/** Default bound for the rollback's own rollout. */
const ROLLBACK_TIMEOUT_MS = 10 * 60_000;

/** The steps that restore the image: the pinned template (or `toRevision`, or the previous revision), then its rollout. */
function imageSteps(of: Run | null, pinned: Run['rollbackTarget'], toRevision: string | undefined): RunStepItem[] {
  const pending = { kind: 'step', state: 'pending' } as const;
  return [
    {
      ...pending,
      id: 'rollback',
      action: 'rollback',
      title:
        toRevision !== undefined
          ? `Roll back to revision ${toRevision}`
          : pinned
            ? `Restore revision ${pinned.revision} (\`${pinned.image}\`), as before run #${of?.id}`
            : 'Roll back to the previous revision',
      ...(toRevision === undefined ? {} : { toRevision }),
    },
    { ...pending, id: 'wait-rollout', action: 'wait-rollout', title: 'Wait for the rollback to roll out', timeoutMs: ROLLBACK_TIMEOUT_MS },
  ];
}

/**
 * A rollback run: a pending run of kind `rollback` with a synthetic checklist (`rollback`) of steps only:
 * switch traffic back to the old version when the undone run brought up a blue-green preview (first, before
 * anything else: the old version was kept scaled for it), return all traffic to stable when it used a canary,
 * run the reverts of that run's Jobs that ran, last first (job-reverts.ts), restore the pod template that run
 * pinned before changing anything (or `toRevision`, or without either the previous revision), then wait
 * for the rollout. A run whose image never served has its Jobs' reverts only. It starts without a Start click; sign-offs and guards do not apply. The undone run's
 * rollback plan, if any, is a follow-up phase due as soon as the rollback succeeded, so it never holds it up.
 *
 * @param now - creation time, epoch ms.
 */
export function createRollbackRun(input: CreateRollbackRunInput, now: number): Run {
  const { of, toRevision } = input;
  const pinned = toRevision === undefined ? of?.rollbackTarget : undefined;
  const { usedCanary, usedBlueGreen } = of ? trafficShiftsOf(of) : { usedCanary: false, usedBlueGreen: false };
  const image = pinned?.image ?? input.target.image;
  const pending = { kind: 'step', state: 'pending' } as const;
  const steps: RunStepItem[] = [];
  if (usedBlueGreen) {
    steps.push({ ...pending, id: 'switch-back', action: 'switch-back', title: 'Switch traffic back to the old version' });
    steps.push({ ...pending, id: 'retire-preview', action: 'retire-preview', title: 'Scale the preview down and return the active Service to its own selector' });
  }
  if (usedCanary) steps.push({ ...pending, id: 'restore-traffic', action: 'restore-traffic', title: 'Return all traffic to stable and scale the canary down' });
  if (of) steps.push(...revertSteps(of, pinned?.image));
  // A run that failed after its Jobs but before its image served anything has only its Jobs to undo: restoring
  // "the previous revision" there would undo the deploy before it, not this one.
  const jobsOnly = of !== null && toRevision === undefined && !changedServing(of) && steps.length > 0;
  if (!jobsOnly) steps.push(...imageSteps(of, pinned, toRevision));
  return {
    schemaVersion: RUN_SCHEMA_VERSION,
    id: input.id,
    kind: 'rollback',
    ...(of ? { rollbackOf: of.id } : {}),
    seq: 0,
    service: input.service,
    environment: input.environment,
    version: toRevision !== undefined ? `revision ${toRevision}` : pinned ? imageTag(pinned.image) : jobsOnly ? `the Jobs of ${of.version}` : 'previous revision',
    checklist: 'rollback',
    target: { ...structuredClone(input.target), image },
    requestedBy: input.requestedBy,
    channel: input.channel,
    state: 'pending',
    confirm: { start: false, signoffs: false },
    phases: [
      { id: 'rollback', title: 'Roll back', state: 'pending', items: steps },
      ...(input.plan?.length
        ? [{ id: 'rollback-plan', title: 'After the rollback', state: 'pending' as const, afterMs: 0, items: input.plan.map((item) => (isStepId(item.id) ? { ...item, id: `plan-${item.id}` } : item)) }]
        : []),
    ],
    guards: [],
    breaches: [],
    reason: input.reason,
    ...(pinned ? { restoreTo: structuredClone(pinned) } : {}),
    createdAt: now,
    updatedAt: now,
  };
}

/** The tag of `repository:tag` (the digest or whole reference when there is no tag). */
function imageTag(image: string): string {
  const last = image.slice(image.lastIndexOf('/') + 1);
  const at = last.indexOf('@');
  if (at >= 0) return last.slice(at + 1);
  const colon = last.indexOf(':');
  return colon >= 0 ? last.slice(colon + 1) : image;
}
