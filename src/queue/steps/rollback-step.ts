import { FlightdeckError } from '../../errors/flightdeck-error.js';
import { listRevisions, type Revision } from '../../k8s/list-revisions.js';
import { rollbackDeployment, type RollbackTarget } from '../../k8s/rollback-deployment.js';
import { recordRollbackTarget } from './record-rollback-target.js';
import { assertHoldsLock, changeCauseFor, done, stableOf, type StepExecutor } from './step-context.js';

const REVISION_HISTORY = 'deployment.kubernetes.io/revision-history';

/** The revision numbers a ReplicaSet has carried: its own and, once reused by a rollback, its old ones. */
function numbersOf(revision: Revision): number[] {
  const history = (revision.annotations[REVISION_HISTORY] ?? '').split(',').map(Number).filter((n) => Number.isInteger(n) && n > 0);
  return [revision.revision, ...history];
}

/** The ReplicaSet that is (or was, before a rollback renumbered it) revision `n`. */
function carrying(revisions: readonly Revision[], n: number): Revision | undefined {
  return revisions.find((revision) => numbersOf(revision).includes(n));
}

function noSuchRevision(what: string, n: number | string, revisions: readonly Revision[]): FlightdeckError {
  const known = revisions.map((r) => `${r.revision} (${r.image || 'no such container'})`).join(', ') || '(none)';
  return new FlightdeckError('k8s-not-found', `${what} has no revision ${n}; its revisions are: ${known}`, {
    remedy: 'Pick one of these, e.g. /rollback <service> <env> to <revision>.',
  });
}

/**
 * Restores the Deployment the way `kubectl rollout undo [--to-revision=N]` does: the pinned template of the
 * run being undone (change-cause naming this rollback run), an explicit revision, or the revision before
 * the one running when this rollback started. What ran before is pinned on the rollback run first, and
 * revisions are found through `revision-history` too, so a retry after the patch renumbered the restored
 * ReplicaSet converges instead of rolling back a second time. The following wait-rollout step waits.
 */
export const rollbackStep: StepExecutor<'rollback'> = async (run, item, context) => {
  const { client, ref } = stableOf(run, context);
  const what = `deployment ${ref.namespace}/${ref.deployment}`;
  const before = Number(await recordRollbackTarget(run, client, ref, context));
  let target: RollbackTarget;
  let label: string;
  if (run.restoreTo && item.toRevision === undefined) {
    target = { template: run.restoreTo.template, changeCause: changeCauseFor(run) };
    label = `revision ${run.restoreTo.revision} (\`${run.restoreTo.image}\`)`;
  } else {
    const revisions = await listRevisions(client, ref);
    let wanted: number;
    if (item.toRevision !== undefined) {
      wanted = Number(item.toRevision);
      if (!Number.isInteger(wanted) || wanted <= 0) throw noSuchRevision(what, item.toRevision, revisions);
    } else {
      const older = revisions.flatMap(numbersOf).filter((n) => n < before);
      if (older.length === 0) throw noSuchRevision(what, `before ${before}`, revisions);
      wanted = Math.max(...older);
    }
    const found = carrying(revisions, wanted);
    if (!found) throw noSuchRevision(what, wanted, revisions);
    target = { revision: found.revision };
    label = `revision ${wanted} (\`${found.image}\`)`;
  }
  await assertHoldsLock(run, context);
  const result = await rollbackDeployment(client, ref, target);
  return done(result.changed ? `${ref.deployment} restored to ${label}` : `${ref.deployment} already runs ${label}`);
};

