import { describe, expect, it } from 'vitest';
import { checklistSchema } from '../../src/checklist/checklist-schema.js';
import { createRun } from '../../src/run/core/create-run.js';
import type { Run } from '../../src/run/core/run-schema.js';
import { transition, type Effect, type RunEvent, type Transition } from '../../src/run/core/transition.js';

// What the advance after each event starts, completes and records, step by step through one run: which
// check or step starts when (and what it records on the item and in the audit), when guards start, how a
// phase completes and the run succeeds, and how expired sign-offs reopen an item. transition() runs the
// advance; these tests read its results.

const T0 = Date.UTC(2025, 2, 14, 14, 0, 0);
const MIN = 60_000;
const HOUR = 60 * MIN;

const checklist = checklistSchema.parse({
  name: 'advance',
  phases: [
    {
      id: 'pre',
      title: 'Pre-flight',
      items: [
        { id: 'db-up', kind: 'check', title: 'Database answers', probe: { type: 'tcp', host: 'db', port: 5432 } },
        { id: 'ready', kind: 'manual', title: 'Ready' },
      ],
    },
    {
      id: 'rollout',
      title: 'Rollout',
      items: [
        { id: 'set-image', kind: 'step', action: 'set-image' },
        { id: 'health', kind: 'check', title: 'Health', probe: { type: 'http', url: 'https://api.example.com/health' } },
        { id: 'wait', kind: 'step', action: 'wait-rollout' },
      ],
    },
    { id: 'day-after', title: 'Next day', after: '24h', items: [{ id: 'errors-normal', kind: 'manual', title: 'Errors are normal' }] },
  ],
  guards: [
    { id: 'errors', title: 'Error rate', probe: { type: 'prometheus', query: 'rate(x[1m])', above: 0.05 }, for: '2m', action: 'notify' },
    { id: 'latency', title: 'Latency', probe: { type: 'prometheus', query: 'p99', above: 0.5 }, for: '1m', action: 'notify' },
  ],
});

function newRun(): Run {
  return createRun(
    {
      id: '50',
      service: 'api',
      environment: 'production',
      version: '2.0.0',
      target: { cluster: 'prod', namespace: 'api', deployment: 'api', container: 'api', image: 'registry/api:2.0.0' },
      requestedBy: 'U1',
      channel: 'C1',
      checklist,
    },
    T0,
  );
}

const start: RunEvent = { type: 'start', actor: 'U1' };
const tick = (itemId: string): RunEvent => ({ type: 'tick', itemId, actor: 'U2', actorRoles: [] });
const ok = (itemId: string): RunEvent => ({ type: 'step-succeeded', itemId, detail: 'ok' });
const passed = (itemId: string): RunEvent => ({ type: 'check-measured', itemId, measurement: { outcome: 'successful', message: 'ok', at: T0 }, final: false });

/** Applies events in order, each one minute after the previous; returns every transition. */
function play(events: RunEvent[], run = newRun()): Transition[] {
  const steps: Transition[] = [];
  let current = run;
  events.forEach((event, i) => {
    const next = transition(current, event, T0 + (i + 1) * MIN);
    steps.push(next);
    current = next.run;
  });
  return steps;
}

function item(run: Run, id: string) {
  return run.phases.flatMap((phase) => phase.items).find((candidate) => candidate.id === id)!;
}

function names(effects: Effect[]): string[] {
  return effects.map((effect) => ('itemId' in effect ? `${effect.type}:${effect.itemId}` : effect.type));
}

function audited(t: Transition): [string, string, string][] {
  return t.audit.map((entry) => [entry.actor, entry.action, entry.detail]);
}

/**
 * The whole run, one transition per event. Each test walks it itself: Stryker credits code to the test
 * that ran it (perTest coverage), so results computed once outside the tests would be credited to none.
 */
function walk(): Transition[] {
  return play([start, passed('db-up'), tick('ready'), ok('set-image'), passed('health'), ok('wait')]);
}

describe('the advance through one run', () => {

  it('starts the check of the first phase at once, beside the person, and no step', () => {
    const [started] = walk();
    expect(started!.run.state).toBe('running');
    expect(started!.run.phases.map((phase) => phase.state)).toEqual(['active', 'pending', 'pending']);
    expect(item(started!.run, 'db-up')).toMatchObject({ state: 'running', startedAt: T0 + MIN, at: T0 + MIN, attempts: 0 });
    expect(audited(started!)).toEqual([
      ['U1', 'run.started', 'api 2.0.0 to production'],
      ['flightdeck', 'check.started', 'db-up: Database answers'],
    ]);
    expect(names(started!.effects)).toEqual(['run-check:db-up']);
  });

  it('waits, not runs, while only a person can move the phase on', () => {
    const [, measured] = walk();
    expect(item(measured!.run, 'db-up').state).toBe('done');
    expect(measured!.run.state).toBe('waiting');
    expect(measured!.effects).toEqual([]);
  });

  it('completes the phase, opens the next, starts its first step and the guards; the check after the step waits', () => {
    const [, , ready] = walk();
    const { run } = ready!;
    expect(run.state).toBe('running');
    expect(run.phases.map((phase) => phase.state)).toEqual(['done', 'active', 'pending']);
    expect(item(run, 'set-image')).toMatchObject({ state: 'running', startedAt: T0 + 3 * MIN, at: T0 + 3 * MIN });
    expect(item(run, 'health').state).toBe('pending');
    expect(item(run, 'wait').state).toBe('pending');
    expect(run.guardsStartedAt).toBe(T0 + 3 * MIN);
    expect(audited(ready!)).toEqual([
      ['U2', 'item.ticked', expect.any(String)],
      ['flightdeck', 'phase.completed', 'pre: Pre-flight'],
      ['flightdeck', 'step.started', 'set-image: Set image to registry/api:2.0.0'],
      ['flightdeck', 'guards.started', 'errors, latency'],
    ]);
    expect(ready!.effects).toEqual([
      { type: 'thread', note: { kind: 'phase-completed', phaseTitle: 'Pre-flight', followUp: false } },
      { type: 'start-guards' },
      { type: 'run-step', itemId: 'set-image' },
    ]);
  });

  it('starts a check once the steps before it are done; a step after a running check waits for it', () => {
    const [, , , imageSet, healthy] = walk();
    expect(names(imageSet!.effects)).toEqual(['run-check:health']);
    expect(item(imageSet!.run, 'wait').state).toBe('pending');
    expect(imageSet!.run.state).toBe('running');
    expect(names(healthy!.effects)).toEqual(['run-step:wait']);
    expect(healthy!.run.guardsStartedAt).toBe(T0 + 3 * MIN);
    expect(healthy!.audit.map((entry) => entry.action)).toEqual(['check.passed', 'step.started']);
  });

  it('succeeds when the last regular phase is done: stops the guards, schedules the follow-up, asks for the summary', () => {
    const rolledOut = walk()[5];
    const { run } = rolledOut!;
    expect(run).toMatchObject({ state: 'succeeded', endedAt: T0 + 6 * MIN, guardsStoppedAt: T0 + 6 * MIN });
    expect(run.phases.map((phase) => [phase.state, phase.dueAt])).toEqual([
      ['done', undefined],
      ['done', undefined],
      ['pending', T0 + 6 * MIN + 24 * HOUR],
    ]);
    expect(audited(rolledOut!)).toEqual([
      ['flightdeck', 'step.succeeded', 'wait: ok'],
      ['flightdeck', 'phase.completed', 'rollout: Rollout'],
      ['flightdeck', 'run.succeeded', 'api 2.0.0 to production'],
      ['flightdeck', 'phase.scheduled', 'day-after: due at 2025-03-15T14:06:00.000Z'],
    ]);
    expect(rolledOut!.effects).toEqual([
      { type: 'thread', note: { kind: 'phase-completed', phaseTitle: 'Rollout', followUp: false } },
      { type: 'stop-guards' },
      { type: 'thread', note: { kind: 'run-succeeded', runId: '50', image: 'registry/api:2.0.0', environment: 'production' } },
      { type: 'schedule-phase', phaseId: 'day-after', at: T0 + 6 * MIN + 24 * HOUR },
      { type: 'summary' },
    ]);
  });

  it('on the succeeded run completes a due follow-up once its items are done, and says it was a follow-up', () => {
    const rolledOut = walk()[5];
    const due = transition(rolledOut!.run, { type: 'phase-due', phaseId: 'day-after' }, T0 + 25 * HOUR).run;
    const done = transition(due, tick('errors-normal'), T0 + 26 * HOUR);
    expect(done.run).toMatchObject({ state: 'succeeded', endedAt: T0 + 6 * MIN });
    expect(done.run.phases.map((phase) => phase.state)).toEqual(['done', 'done', 'done']);
    expect(audited(done).slice(1)).toEqual([['flightdeck', 'phase.completed', 'day-after: Next day']]);
    expect(done.effects).toEqual([{ type: 'thread', note: { kind: 'phase-completed', phaseTitle: 'Next day', followUp: true } }]);
  });
});

describe('the advance on runs it leaves alone', () => {
  it('starts nothing on a pending or paused run', () => {
    const pending = newRun();
    const progress = transition(pending, { type: 'rollback-target-recorded', target: { revision: '1', image: 'registry/api:1.0.0', template: {}, recordedAt: T0 } }, T0 + MIN);
    expect(progress.run.state).toBe('pending');
    expect(progress.effects).toEqual([]);
    const [, paused] = play([start, { type: 'pause', actor: 'U3' }]);
    const measured = transition(paused!.run, passed('db-up'), T0 + 5 * MIN);
    expect(measured.run.state).toBe('paused');
    expect(measured.audit.map((entry) => entry.action)).toEqual(['check.passed']);
    expect(measured.effects).toEqual([]);
  });
});

describe('sign-off expiry when a phase would complete', () => {
  const expiring = checklistSchema.parse({
    name: 'expiring',
    roles: { security: 'reviews' },
    phases: [
      {
        id: 'approvals',
        title: 'Approvals',
        items: [
          { id: 'sec', kind: 'signoff', title: 'Security approves', role: 'security', quorum: 2, expires: '30m' },
          { id: 'lead', kind: 'signoff', title: 'Lead approves', role: 'security' },
          { id: 'ready', kind: 'manual', title: 'Ready' },
        ],
      },
      { id: 'verify', title: 'Verify', items: [{ id: 'looks-good', kind: 'manual', title: 'Looks good' }] },
    ],
  });
  const approve = (itemId: string, actor: string): RunEvent => ({ type: 'approve', itemId, actor, actorRoles: ['security'] });

  function approved(): Run {
    const run = createRun(
      { id: '51', service: 'api', environment: 'production', version: '2.0.0', target: { cluster: 'prod', namespace: 'api', deployment: 'api', container: 'api', image: 'registry/api:2.0.0' }, requestedBy: 'U1', channel: 'C1', checklist: expiring },
      T0,
    );
    // U2 approves at T0 + 1 min, U3 at T0 + 2 min, the lead at T0 + 3 min; `ready` is still open.
    const events = [approve('sec', 'U2'), approve('sec', 'U3'), approve('lead', 'U4')];
    return events.reduce((current, event, i) => transition(current, event, T0 + (i + 1) * MIN).run, transition(run, start, T0).run);
  }

  it('keeps an approval exactly as old as the expiry, and records no expiry', () => {
    const run = approved();
    expect(run.phases[0]?.state).toBe('active');
    const t = transition(run, tick('ready'), T0 + MIN + 30 * MIN);
    expect(t.run.phases.map((phase) => phase.state)).toEqual(['done', 'active']);
    expect(t.audit.map((entry) => entry.action)).toEqual(['item.ticked', 'phase.completed']);
  });

  it('drops only the approvals older than the expiry, reopens the item, and names who lost theirs', () => {
    const t = transition(approved(), tick('ready'), T0 + 32 * MIN);
    // At T0 + 32 min + 0 ms: U2's approval (T0 + 1 min) is 31 min old, U3's (T0 + 2 min) exactly 30.
    const sec = item(t.run, 'sec');
    expect(sec).toMatchObject({ state: 'pending', at: T0 + 32 * MIN, approvals: [{ by: 'U3', at: T0 + 2 * MIN }], expired: [{ by: 'U2', at: T0 + MIN }] });
    expect(sec).not.toHaveProperty('by');
    expect(item(t.run, 'lead')).toMatchObject({ state: 'done', approvals: [{ by: 'U4', at: T0 + 3 * MIN }] });
    expect(audited(t).slice(1)).toEqual([['flightdeck', 'signoff.expired', 'sec: U2']]);
    expect(t.run.state).toBe('waiting');
    expect(t.run.phases[0]?.state).toBe('active');
    expect(t.effects).toEqual([]);
  });

  it('names everyone who lost an approval', () => {
    const t = transition(approved(), tick('ready'), T0 + 40 * MIN);
    expect(audited(t).slice(1)).toEqual([['flightdeck', 'signoff.expired', 'sec: U2, U3']]);
    expect(item(t.run, 'sec')).toMatchObject({ approvals: [], expired: [{ by: 'U2' }, { by: 'U3' }] });
  });
});

describe('the advance on a succeeded run', () => {
  const followedUp = checklistSchema.parse({
    name: 'followed-up',
    phases: [
      { id: 'go', title: 'Go', items: [{ id: 'ready', kind: 'manual', title: 'Ready' }] },
      { id: 'day-after', title: 'Next day', after: '24h', items: [{ id: 'errors-normal', kind: 'manual', title: 'Errors are normal' }] },
      { id: 'week-after', title: 'Next week', after: '168h', items: [{ id: 'costs', kind: 'check', title: 'Costs', probe: { type: 'tcp', host: 'billing', port: 443 } }] },
    ],
  });

  function succeeded(): Run {
    const run = createRun({ id: '52', service: 'api', environment: 'production', version: '2.0.0', target: { cluster: 'prod', namespace: 'api', deployment: 'api', container: 'api', image: 'registry/api:2.0.0' }, requestedBy: 'U1', channel: 'C1', checklist: followedUp }, T0);
    const done = transition(transition(run, start, T0).run, tick('ready'), T0 + MIN).run;
    expect(done.state).toBe('succeeded');
    return done;
  }

  it('moves only the due follow-up on: a pending one starts nothing, a done one is not completed again', () => {
    const dayDue = transition(succeeded(), { type: 'phase-due', phaseId: 'day-after' }, T0 + 25 * HOUR);
    expect(dayDue.effects).toEqual([{ type: 'thread', note: { kind: 'follow-up-due', runId: '52', phaseTitle: 'Next day', items: 1 } }]);
    const dayDone = transition(dayDue.run, tick('errors-normal'), T0 + 26 * HOUR);
    expect(dayDone.run.phases.map((phase) => phase.state)).toEqual(['done', 'done', 'pending']);
    expect(item(dayDone.run, 'costs').state).toBe('pending');
    expect(dayDone.effects).toEqual([{ type: 'thread', note: { kind: 'phase-completed', phaseTitle: 'Next day', followUp: true } }]);
    const weekDue = transition(dayDone.run, { type: 'phase-due', phaseId: 'week-after' }, T0 + 169 * HOUR);
    expect(audited(weekDue)).toEqual([
      ['flightdeck', 'phase.due', 'week-after: Next week'],
      ['flightdeck', 'check.started', 'costs: Costs'],
    ]);
    expect(names(weekDue.effects)).toEqual(['thread', 'run-check:costs']);
  });
});
