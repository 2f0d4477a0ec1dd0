import { describe, expect, it } from 'vitest';
import { checklistSchema } from '../../src/checklist/checklist-schema.js';
import { FlightdeckError } from '../../src/errors/flightdeck-error.js';
import { createRollbackRun } from '../../src/run/core/create-rollback-run.js';
import { createRun } from '../../src/run/core/create-run.js';
import type { RollbackTarget, Run } from '../../src/run/core/run-schema.js';
import { transition, type RunEvent } from '../../src/run/core/transition.js';

const T0 = Date.UTC(2025, 2, 14, 14, 0, 0);
const MIN = 60_000;
const target = { cluster: 'prod', namespace: 'api', deployment: 'api', container: 'api', image: 'registry/api:2.0.0' };
const pinned: RollbackTarget = { revision: '7', image: 'registry/api:1.9.0', template: { spec: {} }, recordedAt: T0 };

function deploy(steps: object[]): Run {
  const checklist = checklistSchema.parse({ name: 'c', phases: [{ id: 'rollout', title: 'Rollout', items: steps }] });
  const run = createRun({ id: '5', service: 'api', environment: 'production', version: '2.0.0', target, requestedBy: 'U1', channel: 'C1', checklist }, T0);
  return transition(run, { type: 'start', actor: 'U1' }, T0).run;
}

function apply(run: Run, events: RunEvent[]): Run {
  return events.reduce((current, event, i) => transition(current, event, T0 + (i + 1) * MIN).run, run);
}

const canaryRun = apply(deploy([{ id: 'canary', kind: 'step', action: 'canary' }, { id: 'w', kind: 'step', action: 'traffic', weight: 25 }]), [
  { type: 'rollback-target-recorded', target: pinned },
  { type: 'step-succeeded', itemId: 'canary', detail: 'ok' },
  { type: 'step-failed', itemId: 'w', reason: 'route missing', outcome: 'failed' },
]);

function refusal(fn: () => unknown): FlightdeckError {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(FlightdeckError);
    return err as FlightdeckError;
  }
  return expect.fail('expected a refusal');
}

describe('createRollbackRun', () => {
  const base = { id: '6', service: 'api', environment: 'production', target, requestedBy: 'U9', channel: 'C1', reason: 'guard breached' };

  it('restores traffic, then the pinned template, then waits, for a canary run', () => {
    const run = createRollbackRun({ ...base, of: canaryRun }, T0 + 10 * MIN);
    expect(run).toMatchObject({ kind: 'rollback', rollbackOf: '5', state: 'pending', version: '1.9.0', checklist: 'rollback', restoreTo: pinned, reason: 'guard breached' });
    expect(run.target.image).toBe('registry/api:1.9.0');
    expect(run.phases[0]?.items.map((item) => item.kind === 'step' && item.action)).toEqual(['restore-traffic', 'rollback', 'wait-rollout']);
    expect(run.phases[0]?.items[1]?.title).toBe('Restore revision 7 (`registry/api:1.9.0`), as before run #5');
  });

  it('switches traffic back to the old version before anything else, for a blue-green run', () => {
    const blueGreen = apply(deploy([{ id: 'preview', kind: 'step', action: 'preview' }, { id: 'switch', kind: 'step', action: 'switch' }, { id: 'down', kind: 'step', action: 'scale-down' }]), [
      { type: 'rollback-target-recorded', target: pinned },
      { type: 'step-succeeded', itemId: 'preview', detail: 'ok' },
      { type: 'step-succeeded', itemId: 'switch', detail: 'ok' },
    ]);
    const run = createRollbackRun({ ...base, of: blueGreen }, T0 + 10 * MIN);
    expect(run.phases[0]?.items.map((item) => item.kind === 'step' && item.action)).toEqual(['switch-back', 'retire-preview', 'rollback', 'wait-rollout']);
    expect(transition(run, { type: 'start', actor: 'U9' }, T0 + 10 * MIN).effects).toEqual([{ type: 'run-step', itemId: 'switch-back' }]);
    // A run that has not brought a preview up has nothing to switch back.
    expect(createRollbackRun({ ...base, of: canaryRun }, T0 + 10 * MIN).phases[0]?.items.map((item) => item.id)).not.toContain('switch-back');
  });

  it('rolls back to an explicit revision, or the previous one without a run', () => {
    const explicit = createRollbackRun({ ...base, of: canaryRun, toRevision: '4' }, T0);
    expect(explicit.restoreTo).toBeUndefined();
    expect(explicit.version).toBe('revision 4');
    expect(explicit.phases[0]?.items[1]).toMatchObject({ action: 'rollback', toRevision: '4', title: 'Roll back to revision 4' });
    const bare = createRollbackRun({ ...base, of: null }, T0);
    expect(bare.phases[0]?.items.map((item) => item.kind === 'step' && item.action)).toEqual(['rollback', 'wait-rollout']);
    expect(bare).toMatchObject({ version: 'previous revision' });
    expect(bare.rollbackOf).toBeUndefined();
  });

  it('starts and runs its steps in order; aborting after the first step fails it without asking for another rollback', () => {
    const run = createRollbackRun({ ...base, of: canaryRun }, T0);
    const started = transition(run, { type: 'start', actor: 'U9' }, T0);
    expect(started.effects).toEqual([{ type: 'run-step', itemId: 'restore-traffic' }]);
    const aborted = transition(started.run, { type: 'abort', actor: 'U9' }, T0 + MIN);
    expect(aborted.run.state).toBe('failed');
    expect(aborted.effects.map((e) => e.type)).toEqual(['thread', 'summary']);
  });
});

describe('the undone run: rollback-started and rollback-finished', () => {
  it('failed → rolling-back → rolled-back, summary once', () => {
    expect(canaryRun.state).toBe('failed');
    const started = transition(canaryRun, { type: 'rollback-started', rollbackRunId: '6', actor: 'flightdeck' }, T0 + 10 * MIN);
    expect(started.run).toMatchObject({ state: 'rolling-back', rollbackRunId: '6' });
    expect(transition(started.run, { type: 'rollback-started', rollbackRunId: '6', actor: 'flightdeck' }, T0 + 11 * MIN).run).toBe(started.run);
    expect(refusal(() => transition(started.run, { type: 'rollback-started', rollbackRunId: '8', actor: 'U1' }, T0)).message).toMatch(/already being rolled back by run 6/);
    expect(refusal(() => transition(started.run, { type: 'start', actor: 'U1' }, T0)).message).toMatch(/it is being rolled back/);
    const done = transition(started.run, { type: 'rollback-finished', ok: true, detail: 'revision 7 restored' }, T0 + 15 * MIN);
    expect(done.run).toMatchObject({ state: 'rolled-back', endedAt: T0 + 15 * MIN });
    expect(done.effects.map((e) => e.type)).toEqual(['thread', 'summary']);
    expect(transition(done.run, { type: 'rollback-finished', ok: true, detail: 'again' }, T0).run).toBe(done.run);
    const posted = transition(done.run, { type: 'summary-posted' }, T0 + 16 * MIN);
    expect(posted.run.summaryPosted).toBe(true);
    expect(transition(posted.run, { type: 'summary-posted' }, T0).run).toBe(posted.run);
  });

  it('a failed run whose rollback could not start ends rollback-failed', () => {
    const t = transition(canaryRun, { type: 'rollback-finished', ok: false, detail: 'no rollback target' }, T0 + 10 * MIN);
    expect(t.run.state).toBe('rollback-failed');
  });

  it('a run in flight is interrupted; one that never changed the cluster has nothing to roll back', () => {
    const running = deploy([{ id: 'set-image', kind: 'step', action: 'set-image' }, { id: 'wait', kind: 'step', action: 'wait-rollout' }]);
    const t = transition(running, { type: 'rollback-started', rollbackRunId: '9', actor: 'U3' }, T0 + MIN);
    expect(t.run).toMatchObject({ state: 'rolling-back', reason: { kind: 'rollback-requested', by: 'U3' } });
    expect(t.run.phases[0]?.items[0]).toMatchObject({ state: 'skipped' });
    const untouched = deploy([{ id: 'bake', kind: 'step', action: 'bake', duration: '1m' }]);
    expect(refusal(() => transition(untouched, { type: 'rollback-started', rollbackRunId: '9', actor: 'U3' }, T0)).message).toMatch(/never changed the cluster/);
    expect(refusal(() => transition(untouched, { type: 'rollback-finished', ok: true, detail: 'x' }, T0)).message).toMatch(/has no rollback in progress/);
  });
});
