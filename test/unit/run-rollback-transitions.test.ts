import { describe, expect, it } from 'vitest';
import { checklistSchema } from '../../src/checklist/checklist-schema.js';
import { FlightdeckError } from '../../src/errors/flightdeck-error.js';
import { createRun } from '../../src/run/core/create-run.js';
import type { Run } from '../../src/run/core/run-schema.js';
import { transition, type RunEvent } from '../../src/run/core/transition.js';

// rollback-started, rollback-finished and phase-due from every kind of run they meet: in flight, failed,
// aborted, succeeded with follow-ups open or done, rolled back. What each changes (state, reason, phases,
// guards), what it audits and tells the thread, what it refuses (by catalogue key) and which repeats change
// nothing.

const T0 = Date.UTC(2025, 2, 14, 14, 0, 0);
const MIN = 60_000;
const HOUR = 60 * MIN;

const checklist = checklistSchema.parse({
  name: 'followed-up',
  phases: [
    { id: 'prepare', title: 'Prepare', items: [{ id: 'announce', kind: 'manual', title: 'Announce' }] },
    {
      id: 'rollout',
      title: 'Rollout',
      items: [
        { id: 'set-image', kind: 'step', action: 'set-image' },
        { id: 'wait', kind: 'step', action: 'wait-rollout' },
      ],
    },
    { id: 'verify', title: 'Verify', items: [{ id: 'looks-good', kind: 'manual', title: 'Looks good' }] },
    {
      id: 'day-after',
      title: 'Next day',
      after: '24h',
      items: [
        { id: 'errors-normal', kind: 'manual', title: 'Errors are normal' },
        { id: 'costs-normal', kind: 'manual', title: 'Costs are normal' },
      ],
    },
    { id: 'week-after', title: 'Next week', after: '168h', items: [{ id: 'no-tickets', kind: 'manual', title: 'No tickets' }] },
  ],
  guards: [{ id: 'errors', title: 'Error rate', probe: { type: 'prometheus', query: 'rate(x[1m])', above: 0.05 }, for: '2m', action: 'rollback' }],
});

function newRun(): Run {
  return createRun(
    {
      id: '40',
      service: 'api',
      environment: 'production',
      version: '3.0.0',
      target: { cluster: 'prod', namespace: 'api', deployment: 'api', container: 'api', image: 'registry/api:3.0.0' },
      requestedBy: 'U1',
      channel: 'C1',
      checklist,
    },
    T0,
  );
}

/** Applies events in order, each one minute after the previous. */
function play(events: RunEvent[], run = newRun()): Run {
  return events.reduce((current, event, i) => transition(current, event, T0 + (i + 1) * MIN).run, run);
}

const start: RunEvent = { type: 'start', actor: 'U1' };
const tick = (itemId: string): RunEvent => ({ type: 'tick', itemId, actor: 'U2', actorRoles: [] });
const ok = (itemId: string): RunEvent => ({ type: 'step-succeeded', itemId, detail: 'ok' });
const rollbackStarted = (rollbackRunId = '41', actor = 'U5'): RunEvent => ({ type: 'rollback-started', rollbackRunId, actor });
const due = (phaseId: string): RunEvent => ({ type: 'phase-due', phaseId });

/** set-image is running: the cluster changed, the guards watch. */
const inFlight = (): Run => play([start, tick('announce')]);
/** wait-rollout failed after set-image: ended `failed`, guards stopped. */
const failed = (): Run => play([start, tick('announce'), ok('set-image'), { type: 'step-failed', itemId: 'wait', reason: 'not ready', outcome: 'failed' }]);
/** Every regular phase done: succeeded at T0 + 5 min, both follow-ups scheduled. */
const succeeded = (): Run => play([start, tick('announce'), ok('set-image'), ok('wait'), tick('looks-good')]);

function phase(run: Run, id: string) {
  return run.phases.find((candidate) => candidate.id === id)!;
}

function item(run: Run, id: string) {
  return run.phases.flatMap((candidate) => candidate.items).find((candidate) => candidate.id === id)!;
}

function refusal(fn: () => unknown): FlightdeckError {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(FlightdeckError);
    return err as FlightdeckError;
  }
  return expect.fail('expected a refusal');
}

describe('rollback-started', () => {
  it('interrupts a run in flight: the running step is skipped, its phase fails, the guards stop, follow-ups lapse', () => {
    const run = inFlight();
    expect(run).toMatchObject({ state: 'running', guardsStartedAt: T0 + 2 * MIN });
    expect(item(run, 'set-image').state).toBe('running');
    const next = transition(run, rollbackStarted(), T0 + 10 * MIN);
    expect(next.run).toMatchObject({ state: 'rolling-back', rollbackRunId: '41', reason: { kind: 'rollback-requested', by: 'U5' }, endedAt: T0 + 10 * MIN, guardsStoppedAt: T0 + 10 * MIN });
    expect(item(next.run, 'set-image')).toMatchObject({ state: 'skipped', at: T0 + 10 * MIN, detail: 'interrupted: a rollback was requested' });
    expect(next.run.phases.map((candidate) => candidate.state)).toEqual(['done', 'failed', 'pending', 'skipped', 'skipped']);
    expect(next.audit).toEqual([{ run: '40', actor: 'U5', action: 'rollback.started', detail: 'run 41', at: T0 + 10 * MIN }]);
    expect(next.effects).toEqual([{ type: 'stop-guards' }, { type: 'thread', note: { kind: 'rollback-started', rollbackRunId: '41', actor: 'U5' } }]);
  });

  it('forgets the pause of a paused run it interrupts', () => {
    const paused = transition(inFlight(), { type: 'pause', actor: 'U3' }, T0 + 5 * MIN).run;
    expect(paused.paused).toBeDefined();
    const next = transition(paused, rollbackStarted(), T0 + 10 * MIN);
    expect(next.run.state).toBe('rolling-back');
    expect(next.run.paused).toBeUndefined();
  });

  it('keeps why and when a failed run ended; its guards stopped already, its follow-ups lapse', () => {
    const run = failed();
    expect(run).toMatchObject({ state: 'failed', reason: 'not ready', endedAt: T0 + 4 * MIN, guardsStoppedAt: T0 + 4 * MIN });
    expect(phase(run, 'day-after').state).toBe('pending');
    const next = transition(run, rollbackStarted(), T0 + 10 * MIN);
    expect(next.run).toMatchObject({ state: 'rolling-back', reason: 'not ready', endedAt: T0 + 4 * MIN, guardsStoppedAt: T0 + 4 * MIN });
    expect(next.run.phases.map((candidate) => candidate.state)).toEqual(['done', 'failed', 'pending', 'skipped', 'skipped']);
    expect(next.effects).toEqual([{ type: 'thread', note: { kind: 'rollback-started', rollbackRunId: '41', actor: 'U5' } }]);
  });

  it('on a succeeded run skips the open follow-ups (pending or due) and leaves a done one done', () => {
    const run = play([due('day-after'), tick('errors-normal'), tick('costs-normal'), due('week-after')], succeeded());
    expect(run.phases.map((candidate) => candidate.state)).toEqual(['done', 'done', 'done', 'done', 'active']);
    const next = transition(run, rollbackStarted(), T0 + 200 * HOUR);
    expect(next.run.state).toBe('rolling-back');
    expect(next.run.phases.map((candidate) => candidate.state)).toEqual(['done', 'done', 'done', 'done', 'skipped']);
    expect(next.run.endedAt).toBe(T0 + 5 * MIN);
    const pendingFollowUps = transition(succeeded(), rollbackStarted(), T0 + HOUR).run;
    expect(pendingFollowUps.phases.map((candidate) => candidate.state)).toEqual(['done', 'done', 'done', 'skipped', 'skipped']);
  });

  it('changes nothing when the same rollback is reported twice', () => {
    const rollingBack = transition(failed(), rollbackStarted(), T0 + 10 * MIN).run;
    expect(transition(rollingBack, rollbackStarted('41', 'flightdeck'), T0 + 11 * MIN)).toEqual({ run: rollingBack, audit: [], effects: [] });
  });

  it('refuses a run already rolled back, even by the same rollback run', () => {
    const rollingBack = transition(failed(), rollbackStarted(), T0 + 10 * MIN).run;
    const rolledBack = transition(rollingBack, { type: 'rollback-finished', ok: true, detail: 'restored' }, T0 + 12 * MIN).run;
    expect(rolledBack.state).toBe('rolled-back');
    for (const id of ['41', '42']) {
      const err = refusal(() => transition(rolledBack, rollbackStarted(id), T0 + 13 * MIN));
      expect(err.data).toMatchObject({ key: 'already-rolling-back', state: 'rolled-back', rollbackRunId: '41' });
      expect(err.message).toMatch(/is already rolled back by run 41/);
    }
    expect(refusal(() => transition(rollingBack, rollbackStarted('42'), T0 + 13 * MIN)).data).toMatchObject({ key: 'already-rolling-back', state: 'rolling-back' });
  });

  it('refuses an aborted run, even one whose step was interrupted (lock lost)', () => {
    const aborted = transition(inFlight(), { type: 'lock-lost', itemId: 'set-image', holder: '7' }, T0 + 5 * MIN).run;
    expect(aborted.state).toBe('aborted');
    expect(item(aborted, 'set-image').state).toBe('skipped');
    expect(refusal(() => transition(aborted, rollbackStarted(), T0 + 6 * MIN)).data).toMatchObject({ key: 'nothing-to-roll-back' });
  });

  it('refuses a rollback run and a run that never changed the cluster', () => {
    expect(refusal(() => transition({ ...inFlight(), kind: 'rollback' }, rollbackStarted(), T0 + 6 * MIN)).data).toMatchObject({ key: 'rollback-of-rollback', runId: '40' });
    expect(refusal(() => transition(play([start]), rollbackStarted(), T0 + 6 * MIN)).data).toMatchObject({ key: 'nothing-to-roll-back' });
  });
});

describe('rollback-finished', () => {
  const rollingBack = (): Run => transition(inFlight(), rollbackStarted(), T0 + 10 * MIN).run;

  it('ends the undone run at the time of the report, audits as flightdeck with the reason, and asks for the summary', () => {
    const reason = { kind: 'undoes' as const, runId: '40', cause: { kind: 'rollback-requested' as const, by: 'U5' } };
    const next = transition(rollingBack(), { type: 'rollback-finished', ok: false, detail: 'forbidden', reason }, T0 + 20 * MIN);
    expect(next.run).toMatchObject({ state: 'rollback-failed', endedAt: T0 + 20 * MIN });
    expect(next.audit).toEqual([{ run: '40', actor: 'flightdeck', action: 'run.rollback-failed', detail: 'forbidden: run #40 rollback requested by U5', at: T0 + 20 * MIN }]);
    expect(next.effects).toEqual([{ type: 'thread', note: { kind: 'rollback-finished', ok: false, detail: 'forbidden', reason } }, { type: 'summary' }]);
  });

  it('tells the thread no reason when the report has none', () => {
    const next = transition(rollingBack(), { type: 'rollback-finished', ok: true, detail: 'restored' }, T0 + 20 * MIN);
    expect(next.effects).toStrictEqual([{ type: 'thread', note: { kind: 'rollback-finished', ok: true, detail: 'restored' } }, { type: 'summary' }]);
  });

  it('does not ask again for a summary already posted', () => {
    const posted = transition(rollingBack(), { type: 'summary-posted' }, T0 + 11 * MIN).run;
    expect(posted.summaryPosted).toBe(true);
    const next = transition(posted, { type: 'rollback-finished', ok: true, detail: 'restored' }, T0 + 20 * MIN);
    expect(next.effects.map((effect) => effect.type)).toEqual(['thread']);
  });

  it('changes nothing when repeated after a failed rollback', () => {
    const ended = transition(rollingBack(), { type: 'rollback-finished', ok: false, detail: 'forbidden' }, T0 + 20 * MIN).run;
    expect(transition(ended, { type: 'rollback-finished', ok: false, detail: 'forbidden' }, T0 + 21 * MIN)).toEqual({ run: ended, audit: [], effects: [] });
    expect(transition(ended, { type: 'rollback-finished', ok: true, detail: 'restored' }, T0 + 21 * MIN).run).toBe(ended);
  });

  it('takes a failed run whose rollback could not start only as failed', () => {
    const run = failed();
    expect(transition(run, { type: 'rollback-finished', ok: false, detail: 'no target' }, T0 + 10 * MIN).run).toMatchObject({ state: 'rollback-failed', endedAt: T0 + 10 * MIN });
    const err = refusal(() => transition(run, { type: 'rollback-finished', ok: true, detail: 'restored' }, T0 + 10 * MIN));
    expect(err.data).toMatchObject({ key: 'no-rollback-in-progress', state: 'failed' });
  });

  it('refuses a run in flight, whether the report says ok or not', () => {
    for (const ok of [true, false]) {
      expect(refusal(() => transition(inFlight(), { type: 'rollback-finished', ok, detail: 'x' }, T0 + 10 * MIN)).data).toMatchObject({ key: 'no-rollback-in-progress', state: 'running' });
    }
  });
});

describe('phase-due', () => {
  it('opens a follow-up of a succeeded run, audits it as flightdeck and tells the thread how many items it has', () => {
    const run = succeeded();
    expect(run).toMatchObject({ state: 'succeeded', endedAt: T0 + 5 * MIN });
    const next = transition(run, due('day-after'), T0 + 25 * HOUR);
    expect(next.run.state).toBe('succeeded');
    expect(next.run.phases.map((candidate) => candidate.state)).toEqual(['done', 'done', 'done', 'active', 'pending']);
    expect(next.audit).toEqual([{ run: '40', actor: 'flightdeck', action: 'phase.due', detail: 'day-after: Next day', at: T0 + 25 * HOUR }]);
    expect(next.effects).toEqual([{ type: 'thread', note: { kind: 'follow-up-due', runId: '40', phaseTitle: 'Next day', items: 2 } }]);
  });

  it('lapses on a run that did not succeed, and on a follow-up that is done', () => {
    for (const run of [failed(), inFlight(), transition(failed(), rollbackStarted(), T0 + 10 * MIN).run]) {
      expect(transition(run, due('day-after'), T0 + 25 * HOUR)).toEqual({ run, audit: [], effects: [] });
    }
    const done = play([due('day-after'), tick('errors-normal'), tick('costs-normal')], succeeded());
    expect(phase(done, 'day-after').state).toBe('done');
    expect(transition(done, due('day-after'), T0 + 26 * HOUR).run).toBe(done);
  });

  it('refuses a phase the run does not have, and a regular phase', () => {
    expect(refusal(() => transition(succeeded(), due('month-after'), T0 + HOUR)).data).toMatchObject({ key: 'phase-not-found', phaseId: 'month-after' });
    expect(refusal(() => transition(succeeded(), due('verify'), T0 + HOUR)).data).toMatchObject({ key: 'not-follow-up', phase: { title: 'Verify' } });
  });
});
