import { describe, expect, it } from 'vitest';
import { checklistSchema, type Checklist } from '../../src/checklist/checklist-schema.js';
import { FlightdeckError } from '../../src/errors/flightdeck-error.js';
import type { Measurement } from '../../src/probes/probe-provider.js';
import { createRun } from '../../src/run/core/create-run.js';
import type { Run } from '../../src/run/core/run-schema.js';
import { transition, type Effect, type RunEvent, type Transition } from '../../src/run/core/transition.js';

const T0 = Date.UTC(2025, 2, 14, 14, 0, 0);
const MIN = 60_000;
const HOUR = 60 * MIN;

const checklist: Checklist = checklistSchema.parse({
  name: 'canary',
  phases: [
    {
      id: 'pre',
      title: 'Pre-flight',
      items: [
        { id: 'db-up', kind: 'check', title: 'Database answers', probe: { type: 'tcp', host: 'db.{{env}}', port: 5432 }, retries: 2, interval: '5s' },
        { id: 'ready', kind: 'manual', title: 'Ready' },
      ],
    },
    {
      id: 'rollout',
      title: 'Rollout',
      items: [
        { id: 'canary', kind: 'step', action: 'canary', replicas: 2 },
        { id: 'w5', kind: 'step', action: 'traffic', weight: 5 },
        { id: 'bake', kind: 'step', action: 'bake', duration: '2m' },
        { id: 'promote', kind: 'step', action: 'promote' },
        { id: 'healthy', kind: 'check', title: 'Health', probe: { type: 'http', url: 'https://{{service}}.example.com/health' } },
      ],
    },
    { id: 'day-after', title: 'Next day', after: '24h', items: [{ id: 'errors-normal', kind: 'manual', title: 'Error budget is fine' }] },
  ],
  guards: [{ id: 'error-rate', title: 'Error rate', probe: { type: 'prometheus', query: 'rate(x[1m])', above: 0.05 }, for: '2m', action: 'rollback' }],
});

function newRun(): Run {
  return createRun(
    {
      id: '3',
      service: 'api',
      environment: 'production',
      version: '2.0.0',
      target: { cluster: 'prod', namespace: 'api', deployment: 'api', container: 'api', image: 'registry/api:2.0.0' },
      requestedBy: 'UREQ',
      channel: 'C1',
      checklist,
    },
    T0,
  );
}

const m = (outcome: Measurement['outcome'], message = outcome): Measurement => ({ outcome, message, at: T0 });
const start: RunEvent = { type: 'start', actor: 'UREQ' };
const ok = (itemId: string): RunEvent => ({ type: 'step-succeeded', itemId, detail: 'ok' });
const measured = (itemId: string, outcome: Measurement['outcome'], final = false): RunEvent => ({ type: 'check-measured', itemId, measurement: m(outcome), final });
const tick = (itemId: string, actor = 'U2'): RunEvent => ({ type: 'tick', itemId, actor, actorRoles: [] });

function play(events: RunEvent[], run = newRun()): { run: Run; last: Transition } {
  let last: Transition = { run, audit: [], effects: [] };
  events.forEach((event, i) => {
    last = transition(last.run, event, T0 + (i + 1) * MIN);
  });
  return { run: last.run, last };
}

function item(run: Run, id: string) {
  return run.phases.flatMap((p) => p.items).find((i) => i.id === id)!;
}

function types(effects: Effect[]): string[] {
  return effects.map((effect) => ('itemId' in effect ? `${effect.type}:${effect.itemId}` : effect.type));
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

const preDone = [start, measured('db-up', 'successful'), tick('ready')];
const canaryStarted = preDone;
const rolledOut = [...preDone, ok('canary'), ok('w5'), ok('bake'), ok('promote')];

describe('checks, steps and guards', () => {
  it('fills templates into probe specs and durations into ms', () => {
    const run = newRun();
    expect(item(run, 'db-up')).toMatchObject({ probe: { type: 'tcp', host: 'db.production', port: 5432 }, retries: 2, intervalMs: 5000, timeoutMs: 10_000 });
    expect(item(run, 'healthy')).toMatchObject({ probe: { url: 'https://api.example.com/health' } });
    expect(item(run, 'canary')).toMatchObject({ action: 'canary', replicas: 2, timeoutMs: 10 * MIN });
    expect(item(run, 'bake')).toMatchObject({ action: 'bake', durationMs: 2 * MIN, title: 'Bake for 2m' });
    expect(run.phases[2]).toMatchObject({ afterMs: 24 * HOUR });
    expect(run.guards[0]).toMatchObject({ id: 'error-rate', forMs: 2 * MIN, intervalMs: 10_000, action: 'rollback', noData: 'inconclusive' });
  });

  it('starts checks at once, beside people, and steps after both; guards start with the first cluster change', () => {
    const started = transition(newRun(), start, T0 + MIN);
    expect(types(started.effects)).toEqual(['run-check:db-up']);
    expect(started.run.state).toBe('running');
    const retry = transition(started.run, measured('db-up', 'failed'), T0 + 2 * MIN);
    expect(item(retry.run, 'db-up')).toMatchObject({ state: 'running', attempts: 1, last: { outcome: 'failed' } });
    expect(retry.audit).toEqual([]);
    const { last, run } = play(preDone);
    expect(types(last.effects)).toEqual(['thread', 'start-guards', 'run-step:canary']);
    expect(run.guardsStartedAt).toBe(T0 + 3 * MIN);
    // The health check waits for the steps listed before it.
    const end = play(rolledOut.slice(3), run);
    expect(types(end.last.effects)).toEqual(['run-check:healthy']);
  });

  it('a final failed check fails the run and, after a cluster change, asks for a rollback', () => {
    const before = play(preDone.slice(0, 1)).run;
    const t = transition(before, measured('db-up', 'error', true), T0 + 5 * MIN);
    expect(t.run).toMatchObject({ state: 'failed', reason: 'check "Database answers" was error after 1 try: error' });
    expect(types(t.effects)).toEqual(['thread', 'summary']);
    const after = play(rolledOut).run;
    const late = transition(after, measured('healthy', 'failed', true), T0 + 20 * MIN);
    expect(late.run.state).toBe('failed');
    expect(types(late.effects)).toEqual(['stop-guards', 'thread', 'request-rollback']);
  });

  it('succeeds when regular phases are done, schedules follow-ups, and keeps them tickable once due', () => {
    const { run, last } = play([...rolledOut, measured('healthy', 'successful')]);
    expect(run).toMatchObject({ state: 'succeeded', endedAt: T0 + 8 * MIN, guardsStoppedAt: T0 + 8 * MIN });
    expect(last.effects).toContainEqual({ type: 'schedule-phase', phaseId: 'day-after', at: T0 + 8 * MIN + 24 * HOUR });
    expect(types(last.effects)).toEqual(['thread', 'stop-guards', 'thread', 'schedule-phase', 'summary']);
    expect(refusal(() => transition(run, tick('errors-normal'), T0 + HOUR)).message).toMatch(/belongs to the follow-up "Next day", which is due at 2025-03-15 14:08 UTC/);
    const due = transition(run, { type: 'phase-due', phaseId: 'day-after' }, T0 + 25 * HOUR);
    expect(due.run.phases[2]?.state).toBe('active');
    expect(transition(due.run, { type: 'phase-due', phaseId: 'day-after' }, T0 + 25 * HOUR).run).toBe(due.run);
    const done = transition(due.run, tick('errors-normal'), T0 + 26 * HOUR);
    expect(done.run).toMatchObject({ state: 'succeeded', endedAt: T0 + 8 * MIN });
    expect(done.run.phases[2]?.state).toBe('done');
    expect(done.audit.map((a) => a.action)).toEqual(['item.ticked', 'phase.completed']);
    expect(refusal(() => transition(done.run, tick('ready'), T0 + 27 * HOUR)).code).toBe('run-finished');
  });

  it('records guard assessments only when they change, auditing status changes', () => {
    const { run } = play(canaryStarted);
    const assessment = { status: 'pending' as const, since: T0, values: [], reason: 'not healthy for 10 s' };
    const first = transition(run, { type: 'guard-assessed', guardId: 'error-rate', assessment }, T0 + 10 * MIN);
    expect(first.run.guards[0]?.assessment).toEqual({ status: 'pending', since: T0, reason: 'not healthy for 10 s', at: T0 + 10 * MIN });
    expect(first.audit.map((a) => a.action)).toEqual(['guard.pending']);
    expect(transition(first.run, { type: 'guard-assessed', guardId: 'error-rate', assessment }, T0 + 11 * MIN).run).toBe(first.run);
    const next = transition(first.run, { type: 'guard-assessed', guardId: 'error-rate', assessment: { ...assessment, reason: 'not healthy for 20 s' } }, T0 + 11 * MIN);
    expect(next.audit).toEqual([]);
  });
});

describe('guard breaches', () => {
  const breach = (action: 'rollback' | 'page' | 'notify'): RunEvent => ({ type: 'guard-breached', guardId: 'error-rate', action, detail: '0.09 > 0.05 since 14:03' });

  it('rollback: fails the run and asks for a rollback', () => {
    const t = transition(play(canaryStarted).run, breach('rollback'), T0 + 10 * MIN);
    expect(t.run).toMatchObject({ state: 'failed', reason: 'guard "Error rate" breached: 0.09 > 0.05 since 14:03' });
    expect(t.run.breaches).toEqual([{ guardId: 'error-rate', action: 'rollback', detail: '0.09 > 0.05 since 14:03', at: T0 + 10 * MIN }]);
    expect(item(t.run, 'canary')).toMatchObject({ state: 'skipped', detail: expect.stringMatching(/^interrupted: guard/) });
    expect(types(t.effects)).toEqual(['thread', 'stop-guards', 'thread', 'request-rollback']);
    expect(transition(t.run, breach('rollback'), T0 + 11 * MIN).run).toBe(t.run);
  });

  it('page: pages and pauses until someone acts; a repeat of the episode is ignored', () => {
    const t = transition(play(canaryStarted).run, breach('page'), T0 + 10 * MIN);
    expect(t.run).toMatchObject({ state: 'paused', paused: { from: 'running', by: 'flightdeck' } });
    expect(types(t.effects)).toEqual(['thread', 'page', 'thread']);
    expect(transition(t.run, breach('page'), T0 + 11 * MIN).run).toBe(t.run);
    // A healthy assessment ends the episode; the next breach pages again.
    const healthy = transition(t.run, { type: 'guard-assessed', guardId: 'error-rate', assessment: { status: 'healthy', values: [], reason: 'fine' } }, T0 + 12 * MIN);
    expect(types(transition(healthy.run, breach('page'), T0 + 13 * MIN).effects)).toContain('page');
  });

  it('notify: alerts only', () => {
    const t = transition(play(canaryStarted).run, breach('notify'), T0 + 10 * MIN);
    expect(t.run.state).toBe('running');
    expect(types(t.effects)).toEqual(['thread', 'notify']);
  });

  it('guard events on an ended run change nothing', () => {
    const failed = transition(play(canaryStarted).run, breach('rollback'), T0 + 10 * MIN).run;
    const healthy: RunEvent = { type: 'guard-assessed', guardId: 'error-rate', assessment: { status: 'healthy', values: [], reason: 'x' } };
    expect(transition(failed, healthy, T0 + 11 * MIN).run).toBe(failed);
  });
});

describe('pause, resume, abort', () => {
  it('holds new steps while paused; running steps finish; resume continues', () => {
    const { run } = play(canaryStarted);
    const paused = transition(run, { type: 'pause', actor: 'U5', reason: 'looking at dashboards' }, T0 + 10 * MIN);
    expect(paused.run).toMatchObject({ state: 'paused', paused: { from: 'running', by: 'U5', at: T0 + 10 * MIN, reason: 'looking at dashboards' } });
    const finished = transition(paused.run, ok('canary'), T0 + 11 * MIN);
    expect(finished.run.state).toBe('paused');
    expect(item(finished.run, 'canary').state).toBe('done');
    expect(types(finished.effects)).toEqual([]);
    const resumed = transition(finished.run, { type: 'resume', actor: 'U5' }, T0 + 12 * MIN);
    expect(resumed.run.state).toBe('running');
    expect(resumed.run.paused).toBeUndefined();
    expect(types(resumed.effects)).toEqual(['thread', 'run-step:w5']);
  });

  const rows: [string, RunEvent[], RunEvent, string, RegExp][] = [
    ['pause twice', [start, { type: 'pause', actor: 'U5' }], { type: 'pause', actor: 'U6' }, 'usage', /is already paused by <@U5> at 14:02 UTC/],
    ['pause before start', [], { type: 'pause', actor: 'U5' }, 'usage', /has not started yet, so it cannot be paused/],
    ['resume when not paused', [start], { type: 'resume', actor: 'U5' }, 'usage', /is not paused \(it is running\)/],
  ];
  it.each(rows)('%s is refused', (_name, before, event, code, message) => {
    const err = refusal(() => transition(play(before).run, event, T0 + 30 * MIN));
    expect(err.code).toBe(code);
    expect(err.message).toMatch(message);
  });

  it('before any cluster change: aborted, no rollback', () => {
    const t = transition(play([start]).run, { type: 'abort', actor: 'U5', reason: 'wrong version' }, T0 + 5 * MIN);
    expect(t.run).toMatchObject({ state: 'aborted', reason: { kind: 'aborted', by: 'U5', text: 'wrong version' }, endedAt: T0 + 5 * MIN });
    expect(item(t.run, 'db-up')).toMatchObject({ state: 'skipped' });
    expect(types(t.effects)).toEqual(['thread', 'summary']);
    expect(transition(newRun(), { type: 'abort', actor: 'U5' }, T0).run.state).toBe('aborted');
  });

  it('after a cluster change: failed, with a rollback requested', () => {
    const t = transition(play(canaryStarted).run, { type: 'abort', actor: 'U5' }, T0 + 5 * MIN);
    expect(t.run).toMatchObject({ state: 'failed', reason: { kind: 'aborted', by: 'U5' } });
    expect(t.effects).toContainEqual({ type: 'request-rollback', reason: { kind: 'aborted', by: 'U5' } });
    expect(refusal(() => transition(t.run, { type: 'abort', actor: 'U5' }, T0 + 6 * MIN)).code).toBe('run-finished');
  });
});
