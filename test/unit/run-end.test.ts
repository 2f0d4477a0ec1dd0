import { describe, expect, it } from 'vitest';
import { checklistSchema } from '../../src/checklist/checklist-schema.js';
import { createRollbackRun } from '../../src/run/core/create-rollback-run.js';
import { createRun } from '../../src/run/core/create-run.js';
import type { Run } from '../../src/run/core/run-schema.js';
import { transition, type RunEvent } from '../../src/run/core/transition.js';

// How a run ends (run-draft.ts: endRun, interrupt, changedCluster, stopGuards, requestSummary), read from
// transition(): whether a run has changed the cluster (a cluster-changing step left pending, or a pinned
// rollback target), what an interrupted item says, what the end audits and tells the thread, and when it
// asks for a rollback rather than the summary.

const T0 = Date.UTC(2025, 2, 14, 14, 0, 0);
const MIN = 60_000;
const target = { cluster: 'prod', namespace: 'api', deployment: 'api', container: 'api', image: 'registry/api:2.0.0' };

const checklist = checklistSchema.parse({
  name: 'bake-first',
  phases: [
    { id: 'soak', title: 'Soak', items: [{ id: 'bake', kind: 'step', action: 'bake', duration: '5m' }] },
    { id: 'rollout', title: 'Rollout', items: [{ id: 'set-image', kind: 'step', action: 'set-image' }] },
  ],
  guards: [{ id: 'errors', title: 'Error rate', probe: { type: 'prometheus', query: 'rate(x[1m])', above: 0.05 }, for: '2m', action: 'notify' }],
});

/** Started: the bake step (which changes nothing in the cluster) is running, the guards do not watch yet. */
function baking(): Run {
  const run = createRun({ id: '70', service: 'api', environment: 'production', version: '2.0.0', target, requestedBy: 'U1', channel: 'C1', checklist }, T0);
  const started = transition(run, { type: 'start', actor: 'U1' }, T0).run;
  expect(started.phases[0]?.items[0]?.state).toBe('running');
  expect(started.guardsStartedAt).toBeUndefined();
  return started;
}

const abort = (reason?: string): RunEvent => ({ type: 'abort', actor: 'U5', ...(reason ? { reason } : {}) });
const pinned: RunEvent = { type: 'rollback-target-recorded', target: { revision: '3', image: 'registry/api:1.0.0', template: {}, recordedAt: T0 } };

describe('ending a run', () => {
  it('aborts a run whose only started step changes nothing in the cluster: the item says it was aborted', () => {
    const t = transition(baking(), abort('typo'), T0 + MIN);
    expect(t.run).toMatchObject({ state: 'aborted', reason: { kind: 'aborted', by: 'U5', text: 'typo' }, endedAt: T0 + MIN });
    expect(t.run.phases[0]?.items[0]).toMatchObject({ state: 'skipped', at: T0 + MIN, detail: 'interrupted: the run was aborted' });
    expect(t.run.phases.map((phase) => phase.state)).toEqual(['failed', 'pending']);
    expect(t.audit).toEqual([{ run: '70', actor: 'U5', action: 'run.aborted', detail: 'aborted by U5: typo', at: T0 + MIN }]);
    expect(t.effects).toEqual([
      { type: 'thread', note: { kind: 'run-ended', runId: '70', state: 'aborted', reason: { kind: 'aborted', by: 'U5', text: 'typo' } } },
      { type: 'summary' },
    ]);
  });

  it('leaves the reason text out when the abort gives none', () => {
    const t = transition(baking(), abort(), T0 + MIN);
    expect(t.run.reason).toStrictEqual({ kind: 'aborted', by: 'U5' });
  });

  it('counts a pinned rollback target as a cluster change: the abort fails the run and asks for a rollback', () => {
    const recorded = transition(baking(), pinned, T0 + MIN).run;
    const t = transition(recorded, abort(), T0 + 2 * MIN);
    expect(t.run.state).toBe('failed');
    expect(t.effects).toEqual([
      { type: 'thread', note: { kind: 'run-ended', runId: '70', state: 'failed', reason: { kind: 'aborted', by: 'U5' } } },
      { type: 'request-rollback', reason: { kind: 'aborted', by: 'U5' } },
    ]);
  });

  it('an end forgets the pause and stops the guards that started with the first cluster change', () => {
    const baked = transition(baking(), { type: 'step-succeeded', itemId: 'bake', detail: 'baked' }, T0 + 5 * MIN).run;
    expect(baked.phases[1]?.items[0]?.state).toBe('running');
    expect(baked.guardsStartedAt).toBe(T0 + 5 * MIN);
    const paused = transition(baked, { type: 'pause', actor: 'U3' }, T0 + 6 * MIN).run;
    const failed = transition(paused, { type: 'step-failed', itemId: 'set-image', reason: 'forbidden', outcome: 'error' }, T0 + 7 * MIN);
    expect(failed.run.state).toBe('error');
    expect(failed.run.paused).toBeUndefined();
    expect(failed.run.guardsStoppedAt).toBe(T0 + 7 * MIN);
    expect(failed.run.phases[1]?.items[0]).toMatchObject({ state: 'failed', detail: 'forbidden' });
    expect(failed.effects.map((effect) => effect.type)).toEqual(['thread', 'stop-guards', 'thread', 'summary']);
  });

  it('says why an item stopped in the words of a reason flightdeck wrote itself', () => {
    const t = transition(baking(), { type: 'lock-lost', itemId: 'bake', holder: '' }, T0 + MIN);
    expect(t.run.phases[0]?.items[0]?.detail).toBe('interrupted: step "Bake for 5m" found the lock of api in production held by nobody, so it changed nothing');
  });

  it('does not ask for a summary that was posted already', () => {
    const posted = transition(baking(), { type: 'summary-posted' }, T0 + MIN).run;
    expect(posted.summaryPosted).toBe(true);
    expect(transition(posted, abort(), T0 + 2 * MIN).effects.map((effect) => effect.type)).toEqual(['thread']);
  });

  it('a rollback run that fails after changing the cluster asks for the summary, not another rollback', () => {
    const rollback = createRollbackRun({ id: '71', of: null, service: 'api', environment: 'production', target, requestedBy: 'U9', channel: 'C1', reason: 'bad release' }, T0);
    const started = transition(rollback, { type: 'start', actor: 'U9' }, T0).run;
    const failed = transition(started, { type: 'step-failed', itemId: 'rollback', reason: 'no previous revision', outcome: 'failed' }, T0 + MIN);
    expect(failed.run.state).toBe('failed');
    expect(failed.effects.map((effect) => effect.type)).toEqual(['thread', 'thread', 'summary']);
  });
});
