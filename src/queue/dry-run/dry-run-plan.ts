import type { Checklist, ChecklistItem } from '../../checklist/checklist-schema.js';
import type { Catalog } from '../../config/catalog-schema.js';
import type { WindowState } from '../../deploy-windows/window-state.js';
import type { DryRunWrite, PlannedWrites } from '../../k8s/dry-run-writes.js';
import type { RouteRef } from '../../k8s/set-route-weights.js';
import type { GuardReplayLine } from './replay-guards.js';

/** One item as the run would show it: its kind, title, and what it does (a step's action, a check's probe, a role). */
export interface PlannedItem {
  kind: ChecklistItem['kind'];
  title: string;
  /** `set-image`, `traffic 10%`, `http check`, `role sre`… */
  detail?: string;
}

/** A sign-off the run needs, with who may give it according to the catalog. */
export interface PlannedSignoff {
  title: string;
  role: string;
  quorum: number;
  /** Slack user ids and user group ids the catalog lists for the role. */
  users: readonly string[];
  groups: readonly string[];
}

/** Who holds the target's lock now. */
export type PlannedLock = { kind: 'free' } | { kind: 'run'; runId: string; version: string; requestedBy: string } | { kind: 'person'; by: string; reason: string };

/** Everything `/deploy … --dry-run` shows: what would change, what would run, and what stands in the way. */
export interface DryRunPlan {
  service: string;
  environment: string;
  version: string;
  image: string;
  checklist: string;
  writes: readonly DryRunWrite[];
  phases: ReadonlyArray<{ title: string; after?: string; items: readonly PlannedItem[] }>;
  signoffs: readonly PlannedSignoff[];
  /** `watch`: a guard with `watchFor` watches that long after success, then doing `action` on a breach. */
  guards: ReadonlyArray<{ title: string; for: string; action: string; watch?: { for: string; action: string } }>;
  lock: PlannedLock;
  window: WindowState;
  /** What the run would pin before its first change: what the Deployment runs now. */
  rollbackTarget: { revision: string; image: string };
  /** What people work through after a rollback (the checklist's `rollbackPlan`). */
  rollbackPlan: readonly PlannedItem[];
  /** Each guard replayed over the last `rangeMs` of the version running now. */
  replay: { rangeMs: number; guards: readonly GuardReplayLine[] };
}

/** The change-cause a run would write; a dry run has no run id yet, so it says which run in words. */
export function dryRunChangeCause(service: string, version: string, environment: string, requestedBy: string): string {
  return `flightdeck run #(next): ${service} ${version} to ${environment} requested by ${requestedBy}`;
}

/**
 * Which writes the checklist's steps would make: a set-image (or a promote, which sets the stable image too), a
 * canary step's replicas, the traffic steps' weights in order. Pure.
 */
export function plannedWrites(checklist: Checklist, base: Pick<PlannedWrites, 'ref' | 'image' | 'changeCause'>, route: RouteRef | undefined): PlannedWrites {
  const steps = checklist.phases.flatMap((phase) => phase.items).flatMap((item) => (item.kind === 'step' ? [item] : []));
  const canary = steps.find((step) => step.action === 'canary');
  const weights = steps.flatMap((step) => (step.action === 'traffic' ? [step.weight] : []));
  return {
    ...base,
    setsImage: steps.some((step) => step.action === 'set-image' || step.action === 'promote'),
    ...(canary?.action === 'canary' ? { canaryReplicas: canary.replicas } : {}),
    ...(route && weights.length > 0 ? { traffic: { route, weights } } : {}),
  };
}

/** Assembles the plan from what was read: pure, so each part of the words is decided by data a test can give. */
export function assembleDryRunPlan(input: {
  request: { service: string; environment: string; version: string; image: string };
  checklist: Checklist;
  roles: Catalog['roles'];
  writes: readonly DryRunWrite[];
  lock: PlannedLock;
  window: WindowState;
  rollbackTarget: { revision: string; image: string };
  replay: DryRunPlan['replay'];
}): DryRunPlan {
  const { checklist, roles } = input;
  const items = checklist.phases.flatMap((phase) => phase.items);
  return {
    ...input.request,
    checklist: checklist.name,
    writes: input.writes,
    phases: checklist.phases.map((phase) => ({ title: phase.title, ...(phase.after === undefined ? {} : { after: phase.after }), items: phase.items.map(plannedItem) })),
    signoffs: items.flatMap((item) =>
      item.kind === 'signoff' ? [{ title: item.title, role: item.role, quorum: item.quorum, users: roles[item.role]?.users ?? [], groups: roles[item.role]?.groups ?? [] }] : [],
    ),
    guards: checklist.guards.map((guard) => ({
      title: guard.title,
      for: guard.for,
      action: guard.action,
      ...(guard.watchFor === undefined ? {} : { watch: { for: guard.watchFor, action: guard.afterSuccess?.action ?? 'page' } }),
    })),
    lock: input.lock,
    window: input.window,
    rollbackTarget: input.rollbackTarget,
    rollbackPlan: (checklist.rollbackPlan ?? []).map(plannedItem),
    replay: input.replay,
  };
}

function plannedItem(item: ChecklistItem): PlannedItem {
  switch (item.kind) {
    case 'step':
      return { kind: 'step', title: item.title ?? item.id, detail: item.action === 'traffic' ? `traffic ${item.weight}%` : item.action };
    case 'check':
      return { kind: 'check', title: item.title, detail: `${item.probe.type} check` };
    case 'signoff':
      return { kind: 'signoff', title: item.title, detail: `role ${item.role}` };
    case 'manual':
      return { kind: 'manual', title: item.title, ...(item.role === undefined ? {} : { detail: `role ${item.role}` }) };
  }
}
