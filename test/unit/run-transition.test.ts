import { describe, expect, it } from 'vitest';
import type { Checklist } from '../../src/checklist/checklist-schema.js';
import { FlightdeckError } from '../../src/errors/flightdeck-error.js';
import { createRun } from '../../src/run/core/create-run.js';
import type { Run, RollbackTarget } from '../../src/run/core/run-schema.js';
import { transition, type RunEvent, type Transition } from '../../src/run/core/transition.js';
import { ADVANCE, RUN_TRANSITIONS, takes } from '../../src/run/core/transition-table.js';

const T0 = Date.UTC(2025, 2, 14, 14, 0, 0);
const MIN = 60_000;

const checklist: Checklist = {
  name: 'production',
  roles: {},
  allowSelfSignoff: false,
  distinctSigners: false,
  guards: [],
  phases: [
    {
      id: 'prepare',
      title: 'Prepare',
      items: [
        { id: 'announce', kind: 'manual', title: 'Announce in #deploys' },
        { id: 'oncall', kind: 'manual', title: 'On-call is aware' },
      ],
    },
    {
      id: 'rollout',
      title: 'Roll out',
      items: [
        { id: 'set-image', kind: 'step', action: 'set-image' },
        { id: 'wait', kind: 'step', action: 'wait-rollout', timeout: '5m' },
        // Listed after the steps on purpose: people still come first.
        { id: 'freeze', kind: 'manual', title: 'No deploy freeze' },
      ],
    },
    {
      id: 'verify',
      title: 'Verify',
      items: [{ id: 'smoke', kind: 'manual', title: 'Smoke test passed' }],
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

const start: RunEvent = { type: 'start', actor: 'U1' };
const tick = (itemId: string, actor = 'U2'): RunEvent => ({ type: 'tick', itemId, actor, actorRoles: [] });
const ok = (itemId: string, detail = 'ok'): RunEvent => ({ type: 'step-succeeded', itemId, detail });
const target: RollbackTarget = { revision: '7', image: 'registry/api:1.4.1', template: { spec: {} }, recordedAt: T0 };

/** `run-step:<item>` for item effects, the bare type for the rest: enough to read a table row. */
function effectName(effect: Transition['effects'][number]): string {
  return 'itemId' in effect ? `${effect.type}:${effect.itemId}` : effect.type;
}

function expectError(fn: () => unknown, code: string, message: RegExp): void {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(FlightdeckError);
    expect((err as FlightdeckError).code).toBe(code);
    expect((err as FlightdeckError).message).toMatch(message);
    return;
  }
  expect.fail(`expected ${code}`);
}

describe('createRun', () => {
  it('instantiates the checklist as a pending run', () => {
    const run = newRun();
    expect(run).toMatchObject({ id: '12', seq: 0, state: 'pending', checklist: 'production', createdAt: T0, updatedAt: T0 });
    expect(run.phases.map((p) => p.state)).toEqual(['pending', 'pending', 'pending']);
    expect(run.phases.flatMap((p) => p.items.map((i) => i.state)).every((s) => s === 'pending')).toBe(true);
    expect(item(run, 'set-image')).toEqual({ id: 'set-image', kind: 'step', action: 'set-image', title: 'Set image to registry/api:1.4.2', state: 'pending' });
    expect(item(run, 'wait')).toEqual({ id: 'wait', kind: 'step', action: 'wait-rollout', title: 'Wait for rollout', timeoutMs: 5 * MIN, state: 'pending' });
  });
});

describe('transition: the happy path', () => {
  // Each row: the event, then the run state, phase states, effects and audit actions it must produce.
  const rows: [RunEvent, string, string[], string[], string[]][] = [
    [start, 'waiting', ['active', 'pending', 'pending'], [], ['run.started']],
    [tick('announce'), 'waiting', ['active', 'pending', 'pending'], [], ['item.ticked']],
    [tick('oncall'), 'waiting', ['done', 'active', 'pending'], ['thread'], ['item.ticked', 'phase.completed']],
    // The first cluster change starts the watch (guards, PagerDuty's change event) even with no guards.
    [tick('freeze'), 'running', ['done', 'active', 'pending'], ['start-guards', 'run-step:set-image'], ['item.ticked', 'step.started']],
    [{ type: 'rollback-target-recorded', target }, 'running', ['done', 'active', 'pending'], [], ['rollback-target.recorded']],
    [ok('set-image', 'image set'), 'running', ['done', 'active', 'pending'], ['run-step:wait'], ['step.succeeded', 'step.started']],
    [{ type: 'step-progress', itemId: 'wait', detail: '1 of 3 updated' }, 'running', ['done', 'active', 'pending'], [], []],
    [ok('wait', 'rolled out'), 'waiting', ['done', 'done', 'active'], ['thread'], ['step.succeeded', 'phase.completed']],
    [tick('smoke', 'U3'), 'succeeded', ['done', 'done', 'done'], ['thread', 'stop-guards', 'thread', 'summary'], ['item.ticked', 'phase.completed', 'run.succeeded']],
  ];

  it('walks manual → steps → manual → succeeded', () => {
    let run = newRun();
    rows.forEach(([event, state, phases, effects, actions], i) => {
      const now = T0 + (i + 1) * MIN;
      const t = transition(run, event, now);
      expect({ step: i, state: t.run.state }).toEqual({ step: i, state });
      expect(t.run.phases.map((p) => p.state)).toEqual(phases);
      expect(t.effects.map(effectName)).toEqual(effects);
      expect(t.audit.map((a) => a.action)).toEqual(actions);
      expect(t.audit.every((a) => a.run === '12' && a.at === now)).toBe(true);
      expect(t.run.updatedAt).toBe(now);
      expect(t.run.seq).toBe(0);
      run = t.run;
    });
    expect(run.endedAt).toBe(T0 + rows.length * MIN);
    expect(item(run, 'set-image')).toMatchObject({ state: 'done', by: 'flightdeck', detail: 'image set', startedAt: T0 + 4 * MIN });
    expect(item(run, 'wait')).toMatchObject({ state: 'done', detail: 'rolled out', startedAt: T0 + 6 * MIN });
    expect(item(run, 'smoke')).toMatchObject({ state: 'done', by: 'U3', at: T0 + 9 * MIN });
  });

  it('records who acted in the audit', () => {
    const t = play([start, tick('announce', 'U9')]).last;
    expect(t.audit).toEqual([{ run: '12', actor: 'U9', action: 'item.ticked', detail: 'announce: Announce in #deploys', at: T0 + 2 * MIN }]);
    const s = play([start, tick('announce'), tick('oncall'), tick('freeze')]).last;
    expect(s.audit.map((a) => a.actor)).toEqual(['U2', 'flightdeck']);
  });
});

describe('transition: refusals', () => {
  const afterPrepare = [start, tick('announce'), tick('oncall')];
  const rows: [string, RunEvent[], RunEvent, string, RegExp][] = [
    ['tick on a step', afterPrepare, tick('set-image'), 'item-not-tickable', /"Set image to registry\/api:1.4.2" is a step flightdeck runs itself/],
    ['unknown item', [start], tick('nope'), 'item-not-found', /run 12 \(api 1.4.2 to production\) has no item "nope"/i],
    ['unknown item in a step event', [start], ok('nope'), 'item-not-found', /no item "nope"/],
    ['double tick', [start, tick('announce', 'U123')], tick('announce', 'U7'), 'item-already-done', /^"Announce in #deploys" was already ticked by <@U123> at 14:02 UTC\.$/],
    ['tick in a future phase', [start], tick('smoke'), 'item-not-tickable', /"Smoke test passed" belongs to phase "Verify": phase "Prepare" must finish first/],
    ['tick before start', [], tick('announce'), 'item-not-tickable', /has not started yet/],
    ['start twice', [start], start, 'usage', /has already started \(it is waiting\)/],
    ['start on a finished run', [start, ...afterPrepare.slice(1), tick('freeze'), { type: 'step-failed', itemId: 'set-image', reason: 'forbidden', outcome: 'error' }], start, 'run-finished', /has already finished: it stopped with an error \(forbidden\)/],
  ];
  it.each(rows)('%s', (_name, before, event, code, message) => {
    const { run } = play(before);
    expectError(() => transition(run, event, T0 + 99 * MIN), code, message);
  });

  const succeeded = play([start, tick('announce'), tick('oncall'), tick('freeze'), ok('set-image'), ok('wait'), tick('smoke')]).run;
  const terminalEvents: RunEvent[] = [start, tick('smoke'), ok('wait'), { type: 'step-progress', itemId: 'wait', detail: 'x' }, { type: 'rollback-target-recorded', target }];
  it.each(terminalEvents)('a succeeded run refuses $type', (event) => {
    expect(succeeded.state).toBe('succeeded');
    expectError(() => transition(succeeded, event, T0 + 99 * MIN), 'run-finished', /has already finished: it succeeded\./);
  });
});

describe('transition: step failure', () => {
  const rows: ['failed' | 'error', string][] = [
    ['failed', 'run.failed'],
    ['error', 'run.error'],
  ];
  it.each(rows)('outcome %s', (outcome, action) => {
    const { run: before } = play([start, tick('announce'), tick('oncall'), tick('freeze'), ok('set-image')]);
    const t = transition(before, { type: 'step-failed', itemId: 'wait', reason: 'ProgressDeadlineExceeded', outcome }, T0 + 30 * MIN);
    expect(t.run).toMatchObject({ state: outcome, reason: 'ProgressDeadlineExceeded', endedAt: T0 + 30 * MIN });
    expect(t.run.phases.map((p) => p.state)).toEqual(['done', 'failed', 'pending']);
    expect(item(t.run, 'wait')).toMatchObject({ state: 'failed', detail: 'ProgressDeadlineExceeded', by: 'flightdeck' });
    expect(item(t.run, 'smoke').state).toBe('pending');
    expect(t.audit.map((a) => a.action)).toEqual(['step.failed', action]);
    // A bad release after the image changed asks for a rollback (the summary waits for it); a broken bot does not.
    expect(t.effects.map(effectName)).toEqual(
      outcome === 'failed' ? ['thread', 'stop-guards', 'thread', 'request-rollback'] : ['thread', 'stop-guards', 'thread', 'summary'],
    );
  });
});

describe('transition: idempotent step events', () => {
  const running = play([start, tick('announce'), tick('oncall'), tick('freeze')]).run;
  const afterSetImage = transition(running, ok('set-image'), T0 + 10 * MIN).run;
  const rows: [string, Run, RunEvent][] = [
    ['duplicate step-succeeded', afterSetImage, ok('set-image')],
    ['step-failed for a finished step', afterSetImage, { type: 'step-failed', itemId: 'set-image', reason: 'x', outcome: 'failed' }],
    ['step-succeeded for a step not started yet', running, ok('wait')],
    ['step-progress for a step not running', afterSetImage, { type: 'step-progress', itemId: 'set-image', detail: 'x' }],
    ['step event for a manual item', running, ok('announce')],
    ['step-progress with the same detail', transition(afterSetImage, { type: 'step-progress', itemId: 'wait', detail: 'd' }, T0).run, { type: 'step-progress', itemId: 'wait', detail: 'd' }],
  ];
  it.each(rows)('%s returns the run unchanged', (_name, run, event) => {
    const t = transition(run, event, T0 + 20 * MIN);
    expect(t.run).toBe(run);
    expect(t.audit).toEqual([]);
    expect(t.effects).toEqual([]);
  });
});

describe('transition: rollback target', () => {
  it('is recorded once and never overwritten', () => {
    const { run } = play([start, tick('announce'), tick('oncall'), tick('freeze')]);
    const first = transition(run, { type: 'rollback-target-recorded', target }, T0 + 10 * MIN);
    expect(first.run.rollbackTarget).toEqual(target);
    expect(first.audit).toMatchObject([{ action: 'rollback-target.recorded', actor: 'flightdeck', detail: 'revision 7 (registry/api:1.4.1)' }]);
    const other: RollbackTarget = { ...target, revision: '8', image: 'registry/api:1.4.2' };
    const second = transition(first.run, { type: 'rollback-target-recorded', target: other }, T0 + 11 * MIN);
    expect(second.run).toBe(first.run);
    expect(second.run.rollbackTarget).toEqual(target);
    expect(second.audit).toEqual([]);
  });
});

describe('transition: purity', () => {
  const events: RunEvent[] = [start, tick('announce'), tick('oncall'), tick('freeze'), { type: 'rollback-target-recorded', target }, ok('set-image'), { type: 'step-progress', itemId: 'wait', detail: 'x' }, { type: 'step-failed', itemId: 'wait', reason: 'r', outcome: 'failed' }];
  it.each(events.map((event, i) => [event.type, i] as const))('%s (#%i) leaves its input untouched', (_type, i) => {
    const { run } = play(events.slice(0, i));
    const snapshot = structuredClone(run);
    const t = transition(deepFreeze(run), events[i]!, T0 + 50 * MIN);
    expect(run).toEqual(snapshot);
    expect(t.run).not.toBe(run);
  });
});

function deepFreeze<T>(value: T): T {
  if (value && typeof value === 'object') {
    for (const child of Object.values(value)) deepFreeze(child);
    Object.freeze(value);
  }
  return value;
}

describe('the transition table', () => {
  const live: Run['state'][] = ['pending', 'running', 'waiting', 'paused'];

  it('hands every event to its apply function in every live state: refusals there are worded, not run-finished', () => {
    for (const [type, rule] of Object.entries(RUN_TRANSITIONS)) expect({ type, missing: live.filter((state) => !rule.from.includes(state)) }).toEqual({ type, missing: [] });
  });

  it('lists for each event where it may lead, and every step of a run lands where its row says', () => {
    // Each row: the events so far, the event, the state it must reach; each is checked against the table too.
    const failed = [start, tick('announce'), tick('oncall'), tick('freeze'), { type: 'step-failed', itemId: 'set-image', reason: 'x', outcome: 'failed' } as RunEvent];
    const rows: [RunEvent[], RunEvent, Run['state']][] = [
      [[], start, 'waiting'],
      [[start], { type: 'pause', actor: 'U1' }, 'paused'],
      [[start, { type: 'pause', actor: 'U1' }], { type: 'resume', actor: 'U1' }, 'waiting'],
      [[start], { type: 'abort', actor: 'U1' }, 'aborted'],
      [failed, { type: 'rollback-started', rollbackRunId: '13', actor: 'U1' }, 'rolling-back'],
      [failed, { type: 'rollback-finished', ok: false, detail: 'could not start' }, 'rollback-failed'],
    ];
    for (const [before, event, state] of rows) {
      const { run } = play(before);
      const next = transition(run, event, T0 + 99 * MIN).run.state;
      expect({ event: event.type, state: next }).toEqual({ event: event.type, state });
      const row = RUN_TRANSITIONS[event.type];
      expect(next in row.to || next in ADVANCE.to || (next === run.state && 'stay' in row.to)).toBe(true);
    }
  });

  it('lets an ended run take only what its row lists for that state', () => {
    const succeeded = play([start, tick('announce'), tick('oncall'), tick('freeze'), ok('set-image'), ok('wait'), tick('smoke')]).run;
    expect(takes(succeeded, { type: 'phase-due', phaseId: 'verify' })).toBe(true);
    expect(takes(succeeded, start)).toBe(false);
    // A tick reaches a succeeded run only for an item of a follow-up; this checklist has none.
    expect(takes(succeeded, tick('smoke'))).toBe(false);
    expect(takes(succeeded, { type: 'guard-assessed', guardId: 'g', assessment: { status: 'healthy', values: [], reason: 'x' } })).toBe(false);
    expect(transition(succeeded, { type: 'guard-assessed', guardId: 'g', assessment: { status: 'healthy', values: [], reason: 'x' } }, T0 + 99 * MIN).run).toBe(succeeded);
  });
});
