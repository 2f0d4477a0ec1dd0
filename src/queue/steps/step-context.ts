import type { ClusterAccess, ClusterClient } from '../../k8s/create-cluster-access.js';
import type { ContainerRef } from '../../k8s/deployment-ref.js';
import type { JobReport } from '../../run/core/run-event.js';
import type { RunStepOf, StepAction } from '../../run/core/run-item-schema.js';
import { FlightdeckError } from '../../errors/flightdeck-error.js';
import type { Run } from '../../run/core/run-schema.js';
import type { RunStore } from '../../run/store/run-store.js';
import type { RunEngine } from '../engine/run-engine.js';

/** What every step executor may use. */
export interface StepContext {
  clusters: ClusterAccess;
  engine: RunEngine;
  now: () => number;
  /** Aborts when the worker shuts down: long waits stop and hand their job back. */
  signal: AbortSignal | undefined;
  /** Who holds each target's lock: read before every change to a cluster. */
  store: Pick<RunStore, 'lockValue'>;
}

/**
 * Called by a step right before it changes the cluster: a run that no longer holds its target's lock (a
 * rollback took it) must not act beside the run that does.
 *
 * @throws FlightdeckError `lock-lost` naming the holder; the step processor ends the run `aborted`.
 */
export async function assertHoldsLock(run: Run, context: Pick<StepContext, 'store'>): Promise<void> {
  const holder = await context.store.lockValue(run.service, run.environment);
  if (holder === run.id) return;
  throw new FlightdeckError('lock-lost', `Run ${run.id} no longer holds the lock of ${run.service} in ${run.environment} (${holder ? `held by ${holder}` : 'free'}); the step changed nothing.`);
}

/**
 * What a step reports: its detail line when it is done, or a time to be woken at (a bake still baking), or a
 * bad release found with data to keep (a failed Job: `done: 'failed'`; other failures are thrown errors).
 * A step that is not done yet never holds a worker slot while it waits for the clock. `job`: how a `job`
 * step's Job ended, kept on the run.
 */
export type StepOutcome =
  | { done: true; detail: string; job?: JobReport }
  | { done: false; wakeAt: number; detail: string }
  | { done: 'failed'; reason: string; job: JobReport };

/** Performs the steps of one action: it gets that action's item, with every field the action needs. */
export type StepExecutor<A extends StepAction> = (run: Run, item: RunStepOf<A>, context: StepContext) => Promise<StepOutcome>;

export const done = (detail: string): StepOutcome => ({ done: true, detail });

/** The run's cluster client and stable container. */
export function stableOf(run: Run, context: StepContext): { client: ClusterClient; ref: ContainerRef } {
  const { namespace, deployment, container } = run.target;
  return { client: context.clusters.forContext(run.target.cluster), ref: { namespace, deployment, container } };
}

/** A step's deadline: counted from when the step started, so a worker restart never resets it. */
export function deadlineOf(item: RunStepOf<'wait-rollout' | 'canary' | 'preview' | 'promote' | 'smoke-job' | 'job'>, context: StepContext): number {
  return (item.startedAt ?? context.now()) + item.timeoutMs;
}

/** The change-cause annotation: what `kubectl rollout history` shows for the revision a run creates. */
export function changeCauseFor(run: Run): string {
  if (run.kind === 'rollback') {
    return `flightdeck rollback run #${run.id}${run.rollbackOf ? ` undoing run #${run.rollbackOf}` : ''} requested by ${run.requestedBy}`;
  }
  return `flightdeck run #${run.id}: ${run.service} ${run.version} to ${run.environment} requested by ${run.requestedBy}`;
}
