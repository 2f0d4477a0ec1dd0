import { isFlightdeckError } from '../errors/flightdeck-error.js';
import { createRollbackRun } from '../run/core/create-rollback-run.js';
import type { Run, RunTarget } from '../run/core/run-schema.js';
import type { RunStore } from '../run/store/run-store.js';
import { transition } from '../run/core/transition.js';
import type { RunEngine } from '../queue/run-engine.js';

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
  reason: string;
}

export interface StartRollbackServices {
  store: RunStore;
  engine: RunEngine;
  now: () => number;
}

/**
 * Starts a rollback run: records it holding the target's lock (taken over from the run it undoes, a
 * person's lock or a deploy in flight), marks the undone run `rolling-back`, and enqueues the first step
 * on the rollback queue. Only Redis and the queues are touched, so it fits in Slack's ack window.
 *
 * Idempotent for `of`: a run already rolling back returns its rollback run, and a rollback run left by an
 * attempt that died before marking `of` is adopted instead of a second one being made.
 *
 * @throws FlightdeckError `usage` when `of` cannot be rolled back (never changed the cluster, is a
 *   rollback itself, already rolled back); `target-locked` when another rollback of the target is in flight.
 */
export async function startRollback(request: StartRollbackRequest, services: StartRollbackServices): Promise<Run> {
  const { store, engine } = services;
  const { of } = request;
  if (of?.state === 'rolling-back' && of.rollbackRunId) {
    const existing = await store.get(of.rollbackRunId);
    if (existing) return existing;
  }
  // A dry run of the transition refuses what cannot be rolled back before anything is recorded.
  if (of) transition(of, { type: 'rollback-started', rollbackRunId: '-', actor: request.actor }, services.now());

  const now = services.now();
  const id = await store.nextRunId();
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
    },
    now,
  );
  const started = transition(pending, { type: 'start', actor: request.actor }, now);
  const requested = {
    run: id,
    actor: request.actor,
    action: 'rollback.requested',
    detail: `${request.service} in ${request.environment}${of ? `, undoing run ${of.id}` : ''}: ${request.reason}`,
    at: now,
  };
  let rollback: Run;
  let effects = started.effects;
  try {
    rollback = (await store.createRollback(started.run, [requested, ...started.audit])).run;
  } catch (err) {
    const adopted = of && isFlightdeckError(err) && err.code === 'target-locked' ? await store.activeRunFor(request.service, request.environment) : null;
    if (adopted?.kind !== 'rollback' || adopted.rollbackOf !== of?.id) throw err;
    rollback = adopted;
    effects = runningSteps(adopted);
  }
  if (of) await engine.apply(of.id, { type: 'rollback-started', rollbackRunId: rollback.id, actor: request.actor });
  await engine.dispatch(rollback, effects);
  return rollback;
}

/** The steps a rollback run has in flight, to enqueue again (their job ids make duplicates collapse). */
function runningSteps(run: Run): { type: 'run-step'; itemId: string }[] {
  return run.phases.flatMap((phase) => phase.items.filter((item) => item.state === 'running').map((item) => ({ type: 'run-step' as const, itemId: item.id })));
}

