import { catalogued } from '../../errors/error-catalogue.js';
import type { FlightdeckError } from '../../errors/flightdeck-error.js';
import type { RunItem } from './run-item-schema.js';
import type { Run } from './run-schema.js';
import { roleRequired, selfApproval } from './transition-errors.js';

/*
 * Who may tick or approve an item of a run: pure rules over the stored run, used by the state machine
 * (so a race between two clicks is decided on the run as written) and by the authorization gate (so a
 * refusal is audited before anything is tried).
 */

/** Whether a manual item lets the requester tick it: stored on the item; runs from before default to "when it has no role". */
export function requesterMayTick(item: Extract<RunItem, { kind: 'manual' }>): boolean {
  return item.requesterMayTick ?? item.role === undefined;
}

/** Why `actor` (holding `roles`) may not tick `item`, or null when they may. */
export function tickRefusal(run: Run, item: RunItem, actor: string, roles: readonly string[]): FlightdeckError | null {
  if (item.kind !== 'manual') return null;
  if (item.role !== undefined && !roles.includes(item.role)) return roleRequired(item, item.role, 'tick');
  if (actor === run.requestedBy && !requesterMayTick(item)) {
    return catalogued('requester-may-not-tick', { runId: run.id, item: { title: item.title } });
  }
  return null;
}

/** Why `actor` (holding `roles`) may not approve `item`, or null when they may. */
export function approveRefusal(run: Run, item: RunItem, actor: string, roles: readonly string[]): FlightdeckError | null {
  if (item.kind !== 'signoff') return null;
  if (!roles.includes(item.role)) return roleRequired(item, item.role, 'approve');
  if (actor === run.requestedBy && !item.allowSelf) return selfApproval(run, item);
  if (run.distinctSigners) {
    const other = otherSignoffBy(run, item.id, actor);
    if (other) return catalogued('one-signoff-per-person', { runId: run.id, other: { title: other.title } });
  }
  return null;
}

function otherSignoffBy(run: Run, itemId: string, actor: string): RunItem | undefined {
  for (const phase of run.phases) {
    for (const item of phase.items) {
      if (item.kind === 'signoff' && item.id !== itemId && item.approvals.some((approval) => approval.by === actor)) return item;
    }
  }
  return undefined;
}
