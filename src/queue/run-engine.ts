import type { Logger } from '../observability/create-logger.js';
import type { RunStore } from '../run/run-store.js';
import type { Run } from '../run/run-schema.js';
import { transition, type Effect, type RunEvent } from '../run/transition.js';
import type { Queues } from './create-queues.js';
import { renderJobId, stepJobId } from './job-schemas.js';

export interface RunEngineOptions {
  store: RunStore;
  queues: Queues;
  /** The clock every transition is stamped with. */
  now: () => number;
  logger: Logger;
}

/**
 * Applies events to runs and turns their effects into jobs. A transition is committed to Redis first and
 * enqueued second; if the process dies in between, the reconciler finds the run needing work and enqueues
 * it again, and the deterministic job ids make any duplicate collapse.
 */
export class RunEngine {
  constructor(private readonly options: RunEngineOptions) {}

  /** Applies one event with compare-and-set; coded errors from the state machine reach the caller unchanged. */
  async apply(runId: string, event: RunEvent): Promise<Run> {
    const { store, now } = this.options;
    const result = await store.update(runId, (run) => transition(run, event, now()));
    if (result.changed) await this.dispatch(result.run, result.effects);
    return result.run;
  }

  /** Enqueues the steps a transition started and one (coalescable) message render. */
  async dispatch(run: Run, effects: readonly Effect[]): Promise<void> {
    for (const effect of effects) {
      if (effect.type === 'run-step') await this.enqueueStep(run.id, effect.itemId);
    }
    await this.enqueueRender(run);
  }

  async enqueueStep(runId: string, itemId: string): Promise<void> {
    await this.options.queues.steps.add('step', { runId, itemId }, { jobId: stepJobId(runId, itemId) });
  }

  async enqueueRender(run: Run): Promise<void> {
    await this.options.queues.notify.add('render', { runId: run.id, seq: run.seq }, { jobId: renderJobId(run.id, run.seq) });
  }
}
