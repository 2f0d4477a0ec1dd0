import type { Checklist, ChecklistItem, StepItem } from '../../checklist/checklist-schema.js';
import { durationMs } from './duration-ms.js';
import type { JobRevert, RunItem, RunStepItem } from './run-item-schema.js';
import type { RunTarget } from './run-schema.js';

/** One checklist item (templates already filled) as a pending run item. */
export function toRunItem(item: ChecklistItem, checklist: Checklist, target: RunTarget): RunItem {
  switch (item.kind) {
    case 'manual':
      return {
        id: item.id,
        kind: 'manual',
        title: item.title,
        state: 'pending',
        ...(item.role ? { role: item.role } : {}),
        requesterMayTick: item.requesterMayTick ?? item.role === undefined,
      };
    case 'signoff':
      return {
        id: item.id,
        kind: 'signoff',
        title: item.title,
        state: 'pending',
        role: item.role,
        quorum: item.quorum,
        allowSelf: item.allowSelf ?? checklist.allowSelfSignoff,
        ...(item.expires === undefined ? {} : { expiresMs: durationMs(item.expires, `expiry of "${item.id}"`) }),
        approvals: [],
      };
    case 'check':
      return {
        id: item.id,
        kind: 'check',
        title: item.title,
        state: 'pending',
        probe: item.probe,
        retries: item.retries,
        intervalMs: durationMs(item.interval, `interval of "${item.id}"`),
        timeoutMs: durationMs(item.timeout, `timeout of "${item.id}"`),
        attempts: 0,
      };
    case 'step':
      return toRunStep(item, target);
  }
}

function toRunStep(item: StepItem, target: RunTarget): RunStepItem {
  const base = { id: item.id, kind: 'step' as const, state: 'pending' as const };
  const timeout = (text: string) => ({ timeoutMs: durationMs(text, `timeout of "${item.id}"`) });
  switch (item.action) {
    case 'set-image':
      return { ...base, action: item.action, title: item.title ?? `Set image to ${target.image}` };
    case 'wait-rollout':
      return { ...base, action: item.action, title: item.title ?? 'Wait for rollout', ...timeout(item.timeout) };
    case 'canary':
      return {
        ...base,
        action: item.action,
        title: item.title ?? `Start a canary of ${target.image} (${canarySize(item.replicas, target)})`,
        replicas: item.replicas,
        ...timeout(item.timeout),
      };
    case 'traffic':
      return { ...base, action: item.action, title: item.title ?? `Send ${item.weight}% of traffic to the canary`, weight: item.weight };
    case 'bake':
      return { ...base, action: item.action, title: item.title ?? `Bake for ${item.duration}`, durationMs: durationMs(item.duration, `duration of "${item.id}"`) };
    case 'promote':
      return { ...base, action: item.action, title: item.title ?? 'Promote the canary to stable', ...timeout(item.timeout) };
    case 'preview':
      return { ...base, action: item.action, title: item.title ?? `Bring up a full-size preview of ${target.image}`, ...timeout(item.timeout) };
    case 'switch':
      return { ...base, action: item.action, title: item.title ?? 'Switch all traffic to the preview' };
    case 'scale-down':
      return {
        ...base,
        action: item.action,
        title: item.title ?? `Promote the preview and scale the old version down ${item.scaleDownDelay} after the switch`,
        delayMs: durationMs(item.scaleDownDelay, `scaleDownDelay of "${item.id}"`),
        ...timeout(item.timeout),
      };
    case 'smoke-job':
      return {
        ...base,
        action: item.action,
        title: item.title ?? `Run smoke job (${item.image})`,
        job: {
          image: item.image,
          ...(item.command ? { command: item.command } : {}),
          ...(item.args ? { args: item.args } : {}),
          ...(item.env ? { env: item.env } : {}),
          ...(item.serviceAccount ? { serviceAccount: item.serviceAccount } : {}),
        },
        ...timeout(item.timeout),
      };
    case 'job': {
      const { id: _id, kind: _kind, title, action, image, deadline, backoffLimit, onFailure, revert, irreversible, ...pod } = item;
      const shown = image ?? target.image;
      const timeoutMs = durationMs(deadline, `deadline of "${item.id}"`);
      return {
        ...base,
        action,
        title: title ?? `Run job (${shown}${pod.command ? ` ${pod.command.join(' ')}` : ''})`,
        job: { image: shown, ...pod, backoffLimit },
        timeoutMs,
        onFailure,
        ...(revert ? { revert: revertOf(revert, { image: shown, backoffLimit, timeoutMs }, item.id) } : {}),
        ...(irreversible ? { irreversible: true as const } : {}),
      };
    }
  }
}

type ChecklistRevert = NonNullable<Extract<StepItem, { action: 'job' }>['revert']>;

/** A step's `revert:` with what it leaves out taken from the step: its image, backoff limit and deadline. */
function revertOf(revert: ChecklistRevert, step: { image: string; backoffLimit: number; timeoutMs: number }, id: string): JobRevert {
  const { image, deadline, backoffLimit, ...pod } = revert;
  return {
    image: image ?? step.image,
    ...pod,
    backoffLimit: backoffLimit ?? step.backoffLimit,
    timeoutMs: deadline === undefined ? step.timeoutMs : durationMs(deadline, `deadline of the revert of "${id}"`),
  };
}

/** How big a canary step makes the canary, for its default title. */
function canarySize(replicas: number | 'match-stable', target: RunTarget): string {
  // Replica mode starts every canary with one pod; the traffic steps size it.
  if (target.traffic && 'service' in target.traffic) return 'one pod, then as many as the traffic steps ask';
  return replicas === 'match-stable' ? 'as many replicas as stable' : `${replicas} ${replicas === 1 ? 'replica' : 'replicas'}`;
}
