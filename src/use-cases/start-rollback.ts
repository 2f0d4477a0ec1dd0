import type { Checklist } from '../checklist/checklist-schema.js';
import { isFlightdeckError } from '../errors/flightdeck-error.js';
import { createRollbackRun } from '../run/core/create-rollback-run.js';
import { plainRunReason, type RunReason } from '../run/core/run-reason.js';
import { isTerminal, type AuditEntry, type Run, type RunTarget } from '../run/core/run-schema.js';
import type { RunStore } from '../run/store/run-store.js';
import { transition } from '../run/core/transition.js';
import type { RunEngine } from '../queue/engine/run-engine.js';
import { outboxPayloadOf } from '../queue/engine/notify-jobs-of.js';
import { rollbackPlanItems } from './rollback-plan-items.js';

export interface StartRollbackRequest {
  /** The run being undone; null rolls back the service as it stands. */
  of: Run | null;
  service: string;
  environment: string;
  /** Where to roll back (copied from `of` when given). */
  target: RunTarget;
  /** `kubectl rollout undo --to-revision`; validated by the worker against the cluster. */
  toRevision?: string;
  /** Slack user id, or `flightdeck` for an automatic rollback. */
  actor: string;
  channel: string;
  reason: RunReason;
}

export interface StartRollbackServices {
  store: RunStore;
  engine: RunEngine;
  now: () => number;
  /** The checklists, for the undone run's rollback plan; without them a rollback has none. */
  config?: { checklists: ReadonlyMap<string, Checklist> };
}

/**
 * Starts a rollback run: in one Redis script, records it holding the target's lock (taken over from the
 * run it undoes or a person's lock) and marks the undone run `rolling-back` (a deploy in flight is
 * stopped there, audited), then enqueues the first step on the rollback queue. Only Redis and the queues
 * are touched, so it fits in Slack's ack window.
 *
 * Idempotent for `of`: a run already rolling back returns its rollback run, and a rollback run left by an
 * attempt that died before marking `of` is adopted instead of a second one being made.
 *
 * @throws FlightdeckError `usage` when `of` cannot be rolled back (never changed the cluster, is a
 *   rollback itself, already rolled back); `target-locked` when another rollback of the target is in
 *   flight or another deploy holds the lock; `store-conflict` when `of` kept changing meanwhile.
 */
export async function startRollback(request: StartRollbackRequest, services: StartRollbackServices): Promise<Run> {
  const { store } = services;
  let of = request.of;
  const id = await store.nextRunId();
  for (let attempt = 0; ; attempt++) {
    if (of?.state === 'rolling-back' && of.rollbackRunId) {
      const existing = await store.get(of.rollbackRunId);
      if (existing) return existing;
    }
    try {
      return await createAndDispatch(request, of, id, services);
    } catch (err) {
      // The undone run moved between reading and writing (a step finished): read it again and recompute.
      if (!of || !isFlightdeckError(err) || err.code !== 'store-conflict' || attempt >= 5) throw err;
      of = await store.get(of.id);
      if (!of) throw err;
    }
  }
}

async function createAndDispatch(request: StartRollbackRequest, of: Run | null, id: string, services: StartRollbackServices): Promise<Run> {
  const { store, engine } = services;
  const now = services.now();
  // Refuses what cannot be rolled back before anything is recorded; written in the rollback's own script.
  const undone = of ? transition(of, { type: 'rollback-started', rollbackRunId: id, actor: request.actor }, now) : null;
  const pending = createRollbackRun(
    {
      id,
      of,
      service: request.service,
      environment: request.environment,
      target: of ? of.target : request.target,
      requestedBy: request.actor,
      channel: request.channel,
      reason: request.reason,
      ...(request.toRevision === undefined ? {} : { toRevision: request.toRevision }),
      plan: rollbackPlanItems(services.config?.checklists, of),
    },
    now,
  );
  const started = transition(pending, { type: 'start', actor: request.actor }, now);
  const audit: AuditEntry[] = [
    {
      run: id,
      actor: request.actor,
      action: 'rollback.requested',
      detail: `${request.service} in ${request.environment}${of ? `, undoing run ${of.id}` : ''}: ${plainRunReason(request.reason)}`,
      at: now,
    },
    ...started.audit,
    ...(undone?.audit ?? []),
  ];
  if (of && !isTerminal(of.state)) {
    audit.push({ run: of.id, actor: request.actor, action: 'run.stopped', detail: `stopped by rollback run ${id}, which took its lock in the same step`, at: now });
  }
  let rollback: Run;
  let effects = started.effects;
  try {
    const write = of && undone ? { next: undone.run, expectedSeq: of.seq, outbox: (next: Run) => outboxPayloadOf(next, undone.effects) } : undefined;
    const created = await store.createRollback(started.run, audit, write);
    rollback = created.run;
    if (created.undone && undone) await engine.dispatchWritten(created.undone, undone.effects);
  } catch (err) {
    const adopted = of && isFlightdeckError(err) && err.code === 'target-locked' ? await store.activeRunFor(request.service, request.environment) : null;
    if (adopted?.kind !== 'rollback' || adopted.rollbackOf !== of?.id) throw err;
    rollback = adopted;
    effects = runningSteps(adopted);
    await engine.apply(of!.id, { type: 'rollback-started', rollbackRunId: rollback.id, actor: request.actor });
  }
  await engine.dispatch(rollback, effects);
  return rollback;
}

/** The steps a rollback run has in flight, to enqueue again (their job ids make duplicates collapse). */
function runningSteps(run: Run): { type: 'run-step'; itemId: string }[] {
  return run.phases.flatMap((phase) => phase.items.filter((item) => item.state === 'running').map((item) => ({ type: 'run-step' as const, itemId: item.id })));
}

