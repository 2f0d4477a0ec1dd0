import type { RunStepOf } from './run-item-schema.js';
import type { Run } from './run-schema.js';

type JobItem = RunStepOf<'job'>;

/**
 * The run's `job` steps that started (succeeded, failed, or were running when the run stopped), in the order
 * they ran. A step is marked running, with `startedAt`, in the same write that asks for its Job, before the Job
 * exists: a run whose worker died in between counts the step as started, and its revert (which must converge
 * when there is nothing to undo) runs anyway — never the other way round.
 */
export function jobsThatRan(run: Run): JobItem[] {
  return run.phases
    .flatMap((phase) => phase.items)
    .filter((item): item is JobItem => item.kind === 'step' && item.action === 'job' && (item.startedAt !== undefined || (item.state !== 'pending' && item.state !== 'skipped')))
    .sort((a, b) => (a.startedAt ?? 0) - (b.startedAt ?? 0));
}

/** The Jobs a rollback of `run` runs before it restores the image: the reverts of the Jobs that ran, last first. */
export function revertsOf(run: Run): JobItem[] {
  return jobsThatRan(run)
    .filter((item) => item.revert !== undefined)
    .reverse();
}

/** The Jobs that ran and that nothing can undo: an automatic rollback of such a run holds instead. */
export function irreversibleJobsThatRan(run: Run): JobItem[] {
  return jobsThatRan(run).filter((item) => item.irreversible === true);
}

/**
 * What a rollback of `run` would do about its Jobs, in order: the reverts it runs and the irreversible Jobs it
 * cannot undo. Shown in the run's message before anything reached the cluster, so people see it in advance.
 */
export interface JobRollbackPlan {
  reverts: { stepId: string; title: string }[];
  irreversible: { stepId: string; title: string }[];
}

/** The plan for every `job` step of the run, as though all of them ran: what a rollback would run, last first. */
export function jobRollbackPlan(run: Run): JobRollbackPlan {
  const jobs = run.phases.flatMap((phase) => phase.items).filter((item): item is JobItem => item.kind === 'step' && item.action === 'job');
  return {
    reverts: jobs.filter((item) => item.revert !== undefined).reverse().map((item) => ({ stepId: item.id, title: item.title })),
    irreversible: jobs.filter((item) => item.irreversible === true).map((item) => ({ stepId: item.id, title: item.title })),
  };
}
