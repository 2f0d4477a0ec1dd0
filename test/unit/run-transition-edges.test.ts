import { describe, expect, it } from 'vitest';
import type { Checklist } from '../../src/checklist/checklist-schema.js';
import { FlightdeckError } from '../../src/errors/flightdeck-error.js';
import { createRun } from '../../src/run/core/create-run.js';
import type { Run } from '../../src/run/core/run-schema.js';
import { transition, type RunEvent, type Transition } from '../../src/run/core/transition.js';

// What transition(run, event, now) records and asks for at the edges the main tables (run-transition,
// run-lifecycle) pass over: step reports for a step that is not running, a lost lock, the words of the
// audit, and the thread notes of pause and resume. Reason texts are matched on their plain words only.

const T0 = Date.UTC(2025, 2, 14, 14, 0, 0);
const MIN = 60_000;

const checklist: Checklist = {
  name: 'edges',
  roles: {},
  allowSelfSignoff: false,
  distinctSigners: false,
  guards: [],
  phases: [
    { id: 'prepare', title: 'Prepare', items: [{ id: 'announce', kind: 'manual', title: 'Announce' }] },
    {
      id: 'rollout',
      title: 'Roll out',
      items: [
        { id: 'set-image', kind: 'step', action: 'set-image' },
        { id: 'wait', kind: 'step', action: 'wait-rollout', timeout: '5m' },
      ],
    },
  ],
};

function newRun(): Run {
  return createRun(
    {
      id: '12',
      service: 'api',
      environment: 'production',
      version: '1.4.2',
      target: { cluster: 'prod', namespace: 'api', deployment: 'api', container: 'api', image: 'registry/api:1.4.2' },
      requestedBy: 'U1',
      channel: 'C1',
      checklist,
    },
    T0,
  );
}

/** Applies events in order, each one minute after the previous. */
function play(events: RunEvent[], run = newRun()): Transition {
  let last: Transition = { run, audit: [], effects: [] };
  events.forEach((event, i) => {
    last = transition(last.run, event, T0 + (i + 1) * MIN);
  });
  return last;
}

function stepOf(run: Run, id: string) {
  return run.phases.flatMap((phase) => phase.items).find((item) => item.id === id)!;
}

const start: RunEvent = { type: 'start', actor: 'U1' };
const announced: RunEvent = { type: 'tick', itemId: 'announce', actor: 'U2', actorRoles: [] };
/** A started run whose set-image step is running. */
const rolling = (): Run => play([start, announced]).run;

describe('step reports', () => {
  it('audits a succeeded step with its id and detail', () => {
    const next = transition(rolling(), { type: 'step-succeeded', itemId: 'set-image', detail: 'patched' }, T0 + 5 * MIN);
    expect(next.audit).toContainEqual(expect.objectContaining({ action: 'step.succeeded', detail: 'set-image: patched' }));
  });

  it('audits a failed step, tells the thread which step failed and why, and pages only when asked', () => {
    const failed = transition(rolling(), { type: 'step-failed', itemId: 'set-image', reason: 'forbidden', outcome: 'error' }, T0 + 5 * MIN);
    expect(failed.audit).toContainEqual(expect.objectContaining({ action: 'step.failed', detail: 'set-image: forbidden' }));
    expect(failed.effects).toContainEqual({ type: 'thread', note: { kind: 'step-failed', itemTitle: stepOf(failed.run, 'set-image').title, reason: 'forbidden' } });
    expect(failed.effects.map((effect) => effect.type)).not.toContain('page-failure');
    const paged = transition(rolling(), { type: 'step-failed', itemId: 'set-image', reason: 'forbidden', outcome: 'error', page: true }, T0 + 5 * MIN);
    expect(paged.effects).toContainEqual({ type: 'page-failure', detail: 'forbidden' });
  });

  it.each<[string, RunEvent]>([
    ['succeeded', { type: 'step-succeeded', itemId: 'wait', detail: 'done' }],
    ['failed', { type: 'step-failed', itemId: 'wait', reason: 'no', outcome: 'failed' }],
    ['progress', { type: 'step-progress', itemId: 'wait', detail: '1/3 ready' }],
    ['lock-lost', { type: 'lock-lost', itemId: 'wait', holder: '9' }],
    ['succeeded for a manual item', { type: 'step-succeeded', itemId: 'announce', detail: 'done' }],
  ])('ignores a %s report for a step that is not running', (_what, event) => {
    const run = rolling();
    expect(stepOf(run, 'wait').state).toBe('pending');
    const next = transition(run, event, T0 + 5 * MIN);
    expect(next).toEqual({ run, audit: [], effects: [] });
    expect(next.run).toBe(run);
  });
});

describe('lock-lost', () => {
  it('aborts the run without touching the cluster again, naming who holds the lock', () => {
    const next = transition(rolling(), { type: 'lock-lost', itemId: 'set-image', holder: '9' }, T0 + 5 * MIN);
    expect(next.run.state).toBe('aborted');
    expect(next.run.reason).toContain('found the lock of api in production held by run #9, so it changed nothing');
    expect(next.audit).toContainEqual(expect.objectContaining({ action: 'run.aborted' }));
    expect(next.effects.map((effect) => effect.type)).not.toContain('request-rollback');
  });

  it('says nobody holds it when the holder is empty', () => {
    const next = transition(rolling(), { type: 'lock-lost', itemId: 'set-image', holder: '' }, T0 + 5 * MIN);
    expect(next.run.reason).toContain('held by nobody, so it changed nothing');
  });
});

describe('the words of control events', () => {
  it('audits the start with what goes where', () => {
    expect(transition(newRun(), start, T0 + MIN).audit).toContainEqual(expect.objectContaining({ action: 'run.started', detail: 'api 1.4.2 to production' }));
  });

  it('pauses a waiting run, auditing "paused" without a reason and telling the thread who paused it', () => {
    const waiting = play([start]).run;
    expect(waiting.state).toBe('waiting');
    const next = transition(waiting, { type: 'pause', actor: 'U3' }, T0 + 5 * MIN);
    expect(next.run.state).toBe('paused');
    expect(next.audit).toContainEqual(expect.objectContaining({ action: 'run.paused', actor: 'U3', detail: 'paused' }));
    expect(next.effects).toContainEqual({ type: 'thread', note: { kind: 'paused', actor: 'U3' } });
  });

  it('keeps the reason of a pause in the audit and the thread note', () => {
    const next = transition(rolling(), { type: 'pause', actor: 'U3', reason: 'dashboards look odd' }, T0 + 5 * MIN);
    expect(next.audit).toContainEqual(expect.objectContaining({ action: 'run.paused', detail: 'dashboards look odd' }));
    expect(next.effects).toContainEqual({ type: 'thread', note: { kind: 'paused', actor: 'U3', reason: 'dashboards look odd' } });
  });

  it('refuses to pause a run that has not started', () => {
    expect(() => transition(newRun(), { type: 'pause', actor: 'U3' }, T0 + MIN)).toThrow(FlightdeckError);
  });

  it('resumes saying since when it was paused, and tells the thread', () => {
    const paused = transition(rolling(), { type: 'pause', actor: 'U3' }, T0 + 5 * MIN).run;
    const next = transition(paused, { type: 'resume', actor: 'U4' }, T0 + 9 * MIN);
    expect(next.audit).toContainEqual(expect.objectContaining({ action: 'run.resumed', actor: 'U4', detail: 'paused since 14:05 UTC' }));
    expect(next.effects).toContainEqual({ type: 'thread', note: { kind: 'resumed', actor: 'U4', pausedAt: T0 + 5 * MIN } });
  });

  it('refuses to resume a run that is not paused', () => {
    expect(() => transition(rolling(), { type: 'resume', actor: 'U4' }, T0 + 5 * MIN)).toThrow(FlightdeckError);
  });
});

describe('the undone run', () => {
  /** A run whose set-image step is running: it has changed the cluster. */
  const touched = rolling;

  it('audits which rollback run undoes it and tells the thread', () => {
    const next = transition(touched(), { type: 'rollback-started', rollbackRunId: '30', actor: 'U5' }, T0 + 5 * MIN);
    expect(next.run.state).toBe('rolling-back');
    expect(next.audit).toContainEqual(expect.objectContaining({ action: 'rollback.started', actor: 'U5', detail: 'run 30' }));
    expect(next.effects).toContainEqual({ type: 'thread', note: expect.objectContaining({ kind: 'rollback-started', rollbackRunId: '30' }) });
  });

  it('audits how the rollback ended, under the state it left, and tells the thread', () => {
    const rollingBack = transition(touched(), { type: 'rollback-started', rollbackRunId: '30', actor: 'U5' }, T0 + 5 * MIN).run;
    const done = transition(rollingBack, { type: 'rollback-finished', ok: true, detail: 'revision 7 restored' }, T0 + 6 * MIN);
    expect(done.audit).toContainEqual(expect.objectContaining({ action: 'run.rolled-back', detail: 'revision 7 restored' }));
    expect(done.effects).toContainEqual({ type: 'thread', note: { kind: 'rollback-finished', ok: true, detail: 'revision 7 restored' } });
    const failed = transition(rollingBack, { type: 'rollback-finished', ok: false, detail: 'forbidden' }, T0 + 6 * MIN);
    expect(failed.run.state).toBe('rollback-failed');
    expect(failed.audit).toContainEqual(expect.objectContaining({ action: 'run.rollback-failed', detail: 'forbidden' }));
  });

  it('refuses to roll back a rollback run, or a run that never changed the cluster', () => {
    expect(() => transition({ ...touched(), kind: 'rollback' }, { type: 'rollback-started', rollbackRunId: '30', actor: 'U5' }, T0 + 5 * MIN)).toThrow(/is itself a rollback/);
    expect(() => transition(play([start]).run, { type: 'rollback-started', rollbackRunId: '30', actor: 'U5' }, T0 + 5 * MIN)).toThrow(/never changed the cluster/);
  });
});
