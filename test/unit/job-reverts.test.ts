import { describe, expect, it } from 'vitest';
import { checklistSchema } from '../../src/checklist/checklist-schema.js';
import { createRollbackRun } from '../../src/run/core/create-rollback-run.js';
import { createRun } from '../../src/run/core/create-run.js';
import { irreversibleJobsThatRan, jobRollbackPlan, jobsThatRan } from '../../src/run/core/job-reverts.js';
import { changedCluster, changedServing } from '../../src/run/core/run-draft.js';
import { runControls } from '../../src/slack/views/run-controls.js';
import type { RunStepOf } from '../../src/run/core/run-item-schema.js';
import type { Run } from '../../src/run/core/run-schema.js';

// A job step's `revert:` and `irreversible:` from the checklist to the rollback run: the schema's words, the
// defaults a revert takes from its step, which Jobs count as having run, and the order of the reverts.

const T0 = Date.UTC(2026, 11, 6, 1, 0, 0);
const target = { cluster: 'prod', namespace: 'api', deployment: 'api', container: 'api', image: 'registry/api:2.0.0' };
const problems = (value: unknown) => checklistSchema.safeParse(value).error?.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`);
const withSteps = (...items: object[]) => ({ name: 'c', phases: [{ id: 'db', title: 'DB', items }] });
const job = (id: string, extra: object = {}) => ({ id, kind: 'step', action: 'job', command: ['run', id], ...extra });

function deploy(...items: object[]): Run {
  const checklist = checklistSchema.parse({ ...withSteps(...items), phases: [...withSteps(...items).phases, { id: 'roll', title: 'Roll', items: [{ id: 'set', kind: 'step', action: 'set-image' }] }] });
  return createRun({ id: '12', service: 'api', environment: 'production', version: '2.0.0', target, requestedBy: 'U1', channel: 'C1', checklist }, T0);
}

function jobItem(run: Run, id: string): RunStepOf<'job'> {
  const item = run.phases.flatMap((phase) => phase.items).find((candidate) => candidate.id === id);
  if (item?.kind !== 'step' || item.action !== 'job') throw new Error(`no job step ${id}`);
  return item;
}

function started(run: Run, id: string, at: number, state: 'running' | 'done' | 'failed' | 'skipped' = 'done'): void {
  Object.assign(jobItem(run, id), { state, startedAt: at });
}

describe('a job step that says how it is undone', () => {
  it('refuses revert and irreversible together, in words that say which to keep', () => {
    expect(problems(withSteps(job('migrate', { revert: { command: ['alembic', 'downgrade', '-1'] }, irreversible: true })))).toEqual([
      'phases.0.items.0.irreversible: a job step declares either revert (the Job that undoes it) or irreversible: true (nothing can undo it), not both',
    ]);
  });

  it("checks the revert's Job as the step's: unknown keys, env names and mounts", () => {
    expect(problems(withSteps(job('migrate', { revert: { command: ['x'], timeout: '5m' } })))?.[0]).toMatch(/^phases\.0\.items\.0\.revert: Unrecognized key: "timeout"/);
    expect(problems(withSteps(job('migrate', { revert: { env: { '1BAD': 'x' }, volumeMounts: [{ name: 'dumps', mountPath: '/dumps' }] } })))).toEqual([
      'phases.0.items.0.revert.env.1BAD: is not an environment variable name Kubernetes accepts: letters, digits, "_", "-" or ".", not starting with a digit',
      'phases.0.items.0.revert.volumeMounts.0.name: mounts volume "dumps", which is not under this revert\'s volumes (declared: none)',
    ]);
  });

  it("takes the step's image, deadline and backoff limit when the revert leaves them out, and its own when it says them", () => {
    const run = deploy(
      job('migrate', { image: 'registry/api-tools:2.0.0', deadline: '20m', backoffLimit: 2, revert: { command: ['alembic', 'downgrade', '41'] } }),
      job('backup', { revert: { image: 'postgres:16', command: ['pg_restore'], deadline: '1h', backoffLimit: 0 } }),
      job('drop', { irreversible: true }),
    );
    expect(jobItem(run, 'migrate').revert).toEqual({ image: 'registry/api-tools:2.0.0', command: ['alembic', 'downgrade', '41'], backoffLimit: 2, timeoutMs: 20 * 60_000 });
    expect(jobItem(run, 'backup').revert).toEqual({ image: 'postgres:16', command: ['pg_restore'], backoffLimit: 0, timeoutMs: 60 * 60_000 });
    expect(jobItem(run, 'drop')).toMatchObject({ irreversible: true });
    expect(jobItem(run, 'drop').revert).toBeUndefined();
  });

  it('fills template variables in the revert from the deploy run, so it can name the backup that run took', () => {
    const run = deploy(job('backup', { revert: { args: ['/backups/{{service}}-{{run}}.dump'] } }));
    expect(jobItem(run, 'backup').revert?.args).toEqual(['/backups/api-12.dump']);
  });
});

describe('the Jobs a rollback undoes', () => {
  const run = () => deploy(job('backup', { revert: { command: ['restore'] } }), job('migrate', { revert: { command: ['downgrade'] } }), job('seed', { revert: { command: ['unseed'] } }));

  it('counts a Job as run once it started, whatever its end, and not when it was skipped before starting', () => {
    const r = run();
    started(r, 'backup', T0 + 1);
    started(r, 'migrate', T0 + 2, 'failed');
    Object.assign(jobItem(r, 'seed'), { state: 'skipped' });
    expect(jobsThatRan(r).map((item) => item.id)).toEqual(['backup', 'migrate']);
  });

  it('runs the reverts last first, after traffic is back on stable and before the image is restored, telling each what it undoes', () => {
    const r = run();
    started(r, 'backup', T0 + 1);
    started(r, 'migrate', T0 + 2, 'running');
    const pinned = { revision: '7', image: 'registry/api:1.9.0', template: {}, recordedAt: T0 };
    const rollback = createRollbackRun({ id: '13', of: { ...r, rollbackTarget: pinned }, service: 'api', environment: 'production', target, requestedBy: 'flightdeck', channel: 'C1', reason: { kind: 'undoes', runId: '12', cause: 'failed' } }, T0 + 10);
    const items = rollback.phases[0]!.items;
    expect(items.map((item) => item.id)).toEqual(['revert-migrate', 'revert-backup', 'rollback', 'wait-rollout']);
    expect(items[0]).toEqual({
      id: 'revert-migrate',
      kind: 'step',
      state: 'pending',
      action: 'job',
      title: `Revert: ${jobItem(r, 'migrate').title}`,
      job: {
        image: 'registry/api:2.0.0',
        command: ['downgrade'],
        backoffLimit: 0,
        env: { FLIGHTDECK_UNDONE_RUN: '12', FLIGHTDECK_UNDONE_RUN_REF: '12', FLIGHTDECK_UNDONE_VERSION: '2.0.0', FLIGHTDECK_UNDONE_IMAGE: 'registry/api:2.0.0', FLIGHTDECK_REVERTED_STEP: 'migrate', FLIGHTDECK_PREVIOUS_IMAGE: 'registry/api:1.9.0' },
      },
      timeoutMs: 10 * 60_000,
      onFailure: 'fail',
    });
  });

  it('undoes only the Jobs of a run that failed before its image served anything: no image step, and aborting it is a failure to undo', () => {
    const r = run();
    expect(changedCluster(r)).toBe(false);
    started(r, 'backup', T0 + 1);
    started(r, 'migrate', T0 + 2, 'failed');
    expect(changedServing(r)).toBe(false);
    expect(changedCluster(r)).toBe(true);
    const rollback = createRollbackRun({ id: '13', of: r, service: 'api', environment: 'production', target, requestedBy: 'flightdeck', channel: 'C1', reason: { kind: 'undoes', runId: '12', cause: 'failed' } }, T0 + 10);
    expect(rollback.phases[0]!.items.map((item) => item.id)).toEqual(['revert-migrate', 'revert-backup']);
    expect(rollback.version).toBe('the Jobs of 2.0.0');
    const abort = runControls({ ...r, state: 'running' }).find((button) => button.action_id === 'run.abort');
    expect(abort?.confirm?.text.text).toContain('A Job with a revert has run: the run ends failed and the reverts run (the image was not changed).');
    // A person's /rollback to a revision still restores that revision.
    const toRevision = createRollbackRun({ id: '14', of: r, service: 'api', environment: 'production', target, requestedBy: 'U1', channel: 'C1', reason: { kind: 'undoes', runId: '12', cause: 'failed' }, toRevision: '6' }, T0 + 10);
    expect(toRevision.phases[0]!.items.map((item) => item.id)).toEqual(['revert-migrate', 'revert-backup', 'rollback', 'wait-rollout']);
  });

  it('counts a Job that says nothing of undoing as no change to undo', () => {
    const r = deploy(job('report'));
    started(r, 'report', T0 + 1);
    expect(changedCluster(r)).toBe(false);
  });

  it('lists irreversible Jobs that ran, and shows the whole plan before anything ran', () => {
    const r = deploy(job('backup', { revert: { command: ['restore'] } }), job('drop', { irreversible: true }), job('migrate', { revert: { command: ['down'] } }));
    expect(irreversibleJobsThatRan(r)).toEqual([]);
    expect(jobRollbackPlan(r)).toEqual({
      reverts: [
        { stepId: 'migrate', title: jobItem(r, 'migrate').title },
        { stepId: 'backup', title: jobItem(r, 'backup').title },
      ],
      irreversible: [{ stepId: 'drop', title: jobItem(r, 'drop').title }],
    });
    started(r, 'drop', T0 + 1);
    expect(irreversibleJobsThatRan(r).map((item) => item.id)).toEqual(['drop']);
  });
});
