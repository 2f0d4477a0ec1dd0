import { auditEntry } from './audit-entry.js';
import { FLIGHTDECK_ACTOR, type Effect } from './run-event.js';
import type { AuditEntry, Run } from './run-schema.js';

/**
 * Moves a started run as far as it can go without anyone acting: completes finished phases, activates the
 * next one, starts the next step, and decides between `running`, `waiting` and `succeeded`.
 *
 * Mutates `draft`, which must be the transition's private copy, never a caller's run. Runs that are not
 * `running` or `waiting` (pending, paused, terminal) are left alone.
 *
 * @returns the audit entries and effects the advance produced, in order.
 */
export function advanceRun(draft: Run, now: number): { audit: AuditEntry[]; effects: Effect[] } {
  const audit: AuditEntry[] = [];
  const effects: Effect[] = [];
  if (draft.state !== 'running' && draft.state !== 'waiting') return { audit, effects };

  // Each pass either returns or closes one phase, so the loop ends after at most phases.length passes.
  for (;;) {
    let phase = draft.phases.find((p) => p.state === 'active');
    if (!phase) {
      phase = draft.phases.find((p) => p.state === 'pending');
      if (!phase) {
        draft.state = 'succeeded';
        draft.endedAt = now;
        audit.push(auditEntry(draft, FLIGHTDECK_ACTOR, 'run.succeeded', `${draft.service} ${draft.version} to ${draft.environment}`, now));
        return { audit, effects };
      }
      phase.state = 'active';
    }

    if (phase.items.every((item) => item.state === 'done' || item.state === 'skipped')) {
      phase.state = 'done';
      audit.push(auditEntry(draft, FLIGHTDECK_ACTOR, 'phase.completed', `${phase.id}: ${phase.title}`, now));
      continue;
    }

    // A step in flight: its worker will report back; nothing else starts meanwhile (steps run one at a time).
    if (phase.items.some((item) => item.state === 'running')) {
      draft.state = 'running';
      return { audit, effects };
    }

    // People come first: no step of the phase starts until every manual item of the phase is ticked.
    if (phase.items.some((item) => item.kind === 'manual' && item.state === 'pending')) {
      draft.state = 'waiting';
      return { audit, effects };
    }

    const step = phase.items.find((item) => item.kind === 'step' && item.state === 'pending');
    if (!step) {
      // Only reachable with an item in a state this loop does not finish (e.g. failed in a non-failed
      // phase); refuse to guess rather than spin.
      return { audit, effects };
    }
    step.state = 'running';
    step.startedAt = now;
    step.at = now;
    draft.state = 'running';
    audit.push(auditEntry(draft, FLIGHTDECK_ACTOR, 'step.started', `${step.id}: ${step.title}`, now));
    effects.push({ type: 'run-step', itemId: step.id });
    return { audit, effects };
  }
}
