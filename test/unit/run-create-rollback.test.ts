import { describe, expect, it } from 'vitest';
import { checklistSchema } from '../../src/checklist/checklist-schema.js';
import { createRollbackRun, type CreateRollbackRunInput } from '../../src/run/core/create-rollback-run.js';
import { createRun } from '../../src/run/core/create-run.js';
import { RUN_SCHEMA_VERSION, type RollbackTarget, type Run } from '../../src/run/core/run-schema.js';

// The rollback run createRollbackRun makes: every field of the document for each way it is asked for (the
// pinned template of the undone run, an explicit revision, the previous revision), when it first returns
// traffic to stable, and the version it shows for each kind of image reference.

const T0 = Date.UTC(2025, 2, 14, 14, 0, 0);
const MIN = 60_000;
const target = { cluster: 'prod', namespace: 'api', deployment: 'api', container: 'api', image: 'registry/api:2.0.0' };

/** A deploy run with its steps in the given states (pending unless said): set-image in a phase of its own, then canary and traffic. */
function undone(states: { setImage?: 'pending' | 'done'; canary?: 'pending' | 'done'; traffic?: 'pending' | 'done' }, rollbackTarget?: RollbackTarget): Run {
  const checklist = checklistSchema.parse({
    name: 'c',
    phases: [
      { id: 'first', title: 'First', items: [{ id: 'set', kind: 'step', action: 'set-image' }] },
      {
        id: 'rollout',
        title: 'Rollout',
        items: [
          { id: 'canary', kind: 'step', action: 'canary' },
          { id: 'shift', kind: 'step', action: 'traffic', weight: 20 },
        ],
      },
    ],
  });
  const run = createRun({ id: '5', service: 'api', environment: 'production', version: '2.0.0', target, requestedBy: 'U1', channel: 'C1', checklist }, T0);
  const [set] = run.phases[0]!.items;
  const [canary, shift] = run.phases[1]!.items;
  set!.state = states.setImage ?? 'pending';
  canary!.state = states.canary ?? 'pending';
  shift!.state = states.traffic ?? 'pending';
  return rollbackTarget ? { ...run, rollbackTarget } : run;
}

const pinned = (image: string): RollbackTarget => ({ revision: '7', image, template: { spec: { containers: [{ image }] } }, recordedAt: T0 });

function input(of: Run | null, extra: Partial<CreateRollbackRunInput> = {}): CreateRollbackRunInput {
  return { id: '6', of, service: 'api', environment: 'production', target, requestedBy: 'U9', channel: 'C2', reason: { kind: 'rollback-requested', by: 'U9' }, ...extra };
}

const actions = (run: Run) => run.phases[0]!.items.map((item) => (item.kind === 'step' ? item.action : item.kind));

describe('createRollbackRun', () => {
  it('restoring the pinned template of a canary run: every field', () => {
    const target7 = pinned('registry/api:1.9.0');
    const of = undone({ canary: 'done' }, target7);
    const run = createRollbackRun(input(of), T0 + 10 * MIN);
    expect(run).toStrictEqual({
      schemaVersion: RUN_SCHEMA_VERSION,
      id: '6',
      kind: 'rollback',
      rollbackOf: '5',
      seq: 0,
      service: 'api',
      environment: 'production',
      version: '1.9.0',
      checklist: 'rollback',
      target: { ...target, image: 'registry/api:1.9.0' },
      requestedBy: 'U9',
      channel: 'C2',
      state: 'pending',
      confirm: { start: false, signoffs: false },
      phases: [
        {
          id: 'rollback',
          title: 'Roll back',
          state: 'pending',
          items: [
            { kind: 'step', state: 'pending', id: 'restore-traffic', action: 'restore-traffic', title: 'Return all traffic to stable and scale the canary down' },
            { kind: 'step', state: 'pending', id: 'rollback', action: 'rollback', title: 'Restore revision 7 (`registry/api:1.9.0`), as before run #5' },
            { kind: 'step', state: 'pending', id: 'wait-rollout', action: 'wait-rollout', title: 'Wait for the rollback to roll out', timeoutMs: 10 * MIN },
          ],
        },
      ],
      guards: [],
      breaches: [],
      reason: { kind: 'rollback-requested', by: 'U9' },
      restoreTo: target7,
      createdAt: T0 + 10 * MIN,
      updatedAt: T0 + 10 * MIN,
    });
    expect(run.restoreTo).not.toBe(target7);
    expect(run.target).not.toBe(target);
  });

  it('to an explicit revision: ignores the pinned template, keeps the catalog image, pins nothing', () => {
    const run = createRollbackRun(input(undone({}, pinned('registry/api:1.9.0')), { toRevision: '4' }), T0);
    expect(run).toMatchObject({ version: 'revision 4', target: { image: 'registry/api:2.0.0' }, rollbackOf: '5' });
    expect(run).not.toHaveProperty('restoreTo');
    expect(actions(run)).toEqual(['rollback', 'wait-rollout']);
    expect(run.phases[0]?.items[0]).toStrictEqual({ kind: 'step', state: 'pending', id: 'rollback', action: 'rollback', title: 'Roll back to revision 4', toRevision: '4' });
  });

  it('to the previous revision when the undone run pinned nothing, or there is no run', () => {
    for (const undoneRun of [undone({}), null]) {
      const run = createRollbackRun(input(undoneRun), T0);
      expect(run).toMatchObject({ version: 'previous revision', target: { image: 'registry/api:2.0.0' } });
      expect(run).not.toHaveProperty('restoreTo');
      expect(run.phases[0]?.items[0]).toStrictEqual({ kind: 'step', state: 'pending', id: 'rollback', action: 'rollback', title: 'Roll back to the previous revision' });
    }
    expect(createRollbackRun(input(null), T0)).not.toHaveProperty('rollbackOf');
  });

  it('returns traffic to stable first only when the undone run started a canary or shifted traffic, in whichever phase', () => {
    expect(actions(createRollbackRun(input(undone({ traffic: 'done' })), T0))).toEqual(['restore-traffic', 'rollback', 'wait-rollout']);
    expect(actions(createRollbackRun(input(undone({ canary: 'done' })), T0))).toEqual(['restore-traffic', 'rollback', 'wait-rollout']);
    expect(actions(createRollbackRun(input(undone({})), T0))).toEqual(['rollback', 'wait-rollout']);
    expect(actions(createRollbackRun(input(undone({ setImage: 'done' })), T0))).toEqual(['rollback', 'wait-rollout']);
  });

  it.each([
    ['registry/api:1.9.0', '1.9.0'],
    ['localhost:5000/api:1.9.1', '1.9.1'],
    ['api:1.9.2', '1.9.2'],
    ['registry/api@sha256:abc', 'sha256:abc'],
    ['registry/api:1.9.3@sha256:def', 'sha256:def'],
    ['localhost:5000/api', 'localhost:5000/api'],
  ])('shows %s restored as version %s', (image, version) => {
    expect(createRollbackRun(input(undone({}, pinned(image))), T0).version).toBe(version);
  });
});
