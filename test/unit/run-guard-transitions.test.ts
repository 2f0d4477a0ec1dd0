import { describe, expect, it } from 'vitest';
import { checklistSchema } from '../../src/checklist/checklist-schema.js';
import { FlightdeckError } from '../../src/errors/flightdeck-error.js';
import { createRun } from '../../src/run/core/create-run.js';
import type { Run } from '../../src/run/core/run-schema.js';
import { transition, type RunEvent } from '../../src/run/core/transition.js';

// guard-assessed and guard-breached on a run with two guards: what each stores on the guard it names (and
// only that one), what it audits and tells the thread, and which repeats change nothing.

const T0 = Date.UTC(2025, 2, 14, 14, 0, 0);
const MIN = 60_000;

const checklist = checklistSchema.parse({
  name: 'guarded',
  phases: [
    {
      id: 'rollout',
      title: 'Rollout',
      items: [{ id: 'set-image', kind: 'step', action: 'set-image' }],
    },
    { id: 'verify', title: 'Verify', items: [{ id: 'looks-good', kind: 'manual', title: 'Looks good' }] },
  ],
  guards: [
    { id: 'latency', title: 'Latency', probe: { type: 'prometheus', query: 'p99', above: 0.5 }, for: '1m', action: 'notify' },
    { id: 'errors', title: 'Error rate', probe: { type: 'prometheus', query: 'rate(x[1m])', above: 0.05 }, for: '2m', action: 'page' },
  ],
});

/** A started run whose set-image step is running (the guards watch). */
function watched(): Run {
  const run = createRun(
    {
      id: '21',
      service: 'api',
      environment: 'production',
      version: '2.1.0',
      target: { cluster: 'prod', namespace: 'api', deployment: 'api', container: 'api', image: 'registry/api:2.1.0' },
      requestedBy: 'U1',
      channel: 'C1',
      checklist,
    },
    T0,
  );
  const started = transition(run, { type: 'start', actor: 'U1' }, T0).run;
  expect(started.state).toBe('running');
  expect(started.guardsStartedAt).toBe(T0);
  return started;
}

type Assessment = Extract<RunEvent, { type: 'guard-assessed' }>['assessment'];
const assessed = (guardId: string, assessment: Partial<Assessment> = {}): RunEvent => ({
  type: 'guard-assessed',
  guardId,
  assessment: { status: 'pending', values: [], reason: 'above for 10 s', ...assessment },
});
const breached = (guardId: string, action: 'rollback' | 'page' | 'notify'): RunEvent => ({ type: 'guard-breached', guardId, action, detail: '0.9 > 0.5' });

function guard(run: Run, id: string) {
  return run.guards.find((candidate) => candidate.id === id)!;
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

describe('guard-assessed', () => {
  it('stores the assessment on the guard it names, stamped now, and audits the new status as flightdeck', () => {
    const next = transition(watched(), assessed('errors', { since: T0 }), T0 + MIN);
    expect(guard(next.run, 'errors').assessment).toStrictEqual({ status: 'pending', reason: 'above for 10 s', at: T0 + MIN, since: T0 });
    expect(guard(next.run, 'latency').assessment).toBeUndefined();
    expect(next.audit).toEqual([{ run: '21', actor: 'flightdeck', action: 'guard.pending', detail: 'errors: above for 10 s', at: T0 + MIN }]);
    expect(next.effects).toEqual([]);
    expect(next.run.state).toBe('running');
  });

  it('leaves `since` out when the assessment has none', () => {
    const next = transition(watched(), assessed('latency', { status: 'healthy', reason: 'fine' }), T0 + MIN);
    expect(guard(next.run, 'latency').assessment).toStrictEqual({ status: 'healthy', reason: 'fine', at: T0 + MIN });
    expect(Object.keys(guard(next.run, 'latency').assessment!)).not.toContain('since');
  });

  it.each<[string, Partial<Assessment>]>([
    ['its since', { since: T0 + 30_000 }],
    ['its reason', { reason: 'above for 20 s' }],
  ])('stores an assessment that changes only %s, without auditing it', (_what, change) => {
    const first = transition(watched(), assessed('errors', { since: T0 }), T0 + MIN).run;
    const next = transition(first, assessed('errors', { since: T0, ...change }), T0 + 2 * MIN);
    expect(next.run).not.toBe(first);
    expect(guard(next.run, 'errors').assessment).toMatchObject({ ...change, at: T0 + 2 * MIN });
    expect(next.audit).toEqual([]);
  });

  it('changes nothing for the same status, since and reason', () => {
    const first = transition(watched(), assessed('errors', { since: T0 }), T0 + MIN).run;
    expect(transition(first, assessed('errors', { since: T0 }), T0 + 2 * MIN)).toEqual({ run: first, audit: [], effects: [] });
  });

  it('stores and audits a change of status alone (same since, same reason)', () => {
    const first = transition(watched(), assessed('errors', { since: T0 }), T0 + MIN).run;
    const next = transition(first, assessed('errors', { status: 'breached', since: T0 }), T0 + 2 * MIN);
    expect(guard(next.run, 'errors').assessment).toMatchObject({ status: 'breached', at: T0 + 2 * MIN });
    expect(next.audit).toEqual([expect.objectContaining({ action: 'guard.breached', detail: 'errors: above for 10 s' })]);
  });

  it('audits a change of status under the new status', () => {
    const first = transition(watched(), assessed('errors', { since: T0 }), T0 + MIN).run;
    const next = transition(first, assessed('errors', { status: 'inconclusive', since: T0, reason: 'no data' }), T0 + 2 * MIN);
    expect(next.audit).toEqual([expect.objectContaining({ action: 'guard.inconclusive', detail: 'errors: no data' })]);
  });

  it('refuses a guard the run does not have', () => {
    const err = refusal(() => transition(watched(), assessed('cpu'), T0 + MIN));
    expect(err.data).toMatchObject({ key: 'guard-not-found', guardId: 'cpu' });
    expect(err.code).toBe('item-not-found');
  });
});

describe('guard-breached', () => {
  it('notify: marks the episode on that guard, records the breach, audits it and alerts, the run goes on', () => {
    const next = transition(watched(), breached('latency', 'notify'), T0 + 3 * MIN);
    expect(next.run.state).toBe('running');
    expect(guard(next.run, 'latency').breachedAt).toBe(T0 + 3 * MIN);
    expect(guard(next.run, 'errors').breachedAt).toBeUndefined();
    expect(next.run.breaches).toEqual([{ guardId: 'latency', action: 'notify', detail: '0.9 > 0.5', at: T0 + 3 * MIN }]);
    expect(next.audit).toEqual([{ run: '21', actor: 'flightdeck', action: 'guard.breached', detail: 'latency (notify): 0.9 > 0.5', at: T0 + 3 * MIN }]);
    expect(next.effects).toEqual([
      { type: 'thread', note: { kind: 'guard-breached', guardTitle: 'Latency', detail: '0.9 > 0.5', action: 'notify' } },
      { type: 'notify', guardId: 'latency', detail: '0.9 > 0.5' },
    ]);
  });

  it('page: pages for that guard and pauses the run as flightdeck, with the guard named in the reason', () => {
    const next = transition(watched(), breached('errors', 'page'), T0 + 3 * MIN);
    expect(next.run.paused).toEqual({ from: 'running', by: 'flightdeck', at: T0 + 3 * MIN, reason: 'guard "Error rate" breached; the on-call was paged' });
    expect(next.effects).toEqual([
      { type: 'thread', note: { kind: 'guard-breached', guardTitle: 'Error rate', detail: '0.9 > 0.5', action: 'page' } },
      { type: 'page', guardId: 'errors', detail: '0.9 > 0.5' },
      { type: 'thread', note: { kind: 'paused', actor: 'flightdeck', reason: 'guard "Error rate" breached; the on-call was paged' } },
    ]);
    expect(next.audit.map((entry) => entry.action)).toEqual(['guard.breached', 'run.paused']);
  });

  it('page on a run someone paused already: pages, but the pause stays theirs', () => {
    const paused = transition(watched(), { type: 'pause', actor: 'U5', reason: 'coffee' }, T0 + MIN).run;
    const next = transition(paused, breached('errors', 'page'), T0 + 3 * MIN);
    expect(next.run.state).toBe('paused');
    expect(next.run.paused).toEqual(paused.paused);
    expect(next.effects.map((effect) => effect.type)).toEqual(['thread', 'page']);
    expect(next.audit.map((entry) => entry.action)).toEqual(['guard.breached']);
  });

  it('an assessment that is still breached keeps the episode: a repeated breach changes nothing', () => {
    const first = transition(watched(), breached('latency', 'notify'), T0 + 3 * MIN).run;
    const still = transition(first, assessed('latency', { status: 'breached', since: T0 }), T0 + 4 * MIN).run;
    expect(guard(still, 'latency').breachedAt).toBe(T0 + 3 * MIN);
    expect(transition(still, breached('latency', 'notify'), T0 + 5 * MIN).run).toBe(still);
  });

  it('an assessment that is not breached ends the episode on that guard only', () => {
    const both = transition(transition(watched(), breached('latency', 'notify'), T0 + 3 * MIN).run, breached('errors', 'notify'), T0 + 3 * MIN).run;
    const recovered = transition(both, assessed('latency', { status: 'healthy', reason: 'fine' }), T0 + 4 * MIN).run;
    expect(guard(recovered, 'latency').breachedAt).toBeUndefined();
    expect(guard(recovered, 'errors').breachedAt).toBe(T0 + 3 * MIN);
    const again = transition(recovered, breached('latency', 'notify'), T0 + 5 * MIN);
    expect(again.run.breaches.map((breach) => breach.at)).toEqual([T0 + 3 * MIN, T0 + 3 * MIN, T0 + 5 * MIN]);
  });

  it('refuses a guard the run does not have', () => {
    expect(refusal(() => transition(watched(), breached('cpu', 'notify'), T0 + MIN)).data).toMatchObject({ key: 'guard-not-found' });
  });
});
