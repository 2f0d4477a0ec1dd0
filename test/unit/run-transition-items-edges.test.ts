import { describe, expect, it } from 'vitest';
import type { Run } from '../../src/run/core/run-schema.js';
import { transition, type RunEvent } from '../../src/run/core/transition.js';
import { followUpOpen, HOUR, itemOf, measured, MIN, play, prepared, refusal, start, succeeded, T0, tick } from './run-item-fixture.js';

// What ticks, approvals and check measurements do at the edges the main tables (run-transition,
// run-lifecycle, run-people) pass over: reports for a check that is not running, the words of a failed
// check, a follow-up check that fails, and which phase a refusal names.

const started = (): Run => play([start]).run;

describe('check measurements', () => {
  it.each<[string, () => Run, RunEvent]>([
    ['a manual item', started, measured('announce', 'failed', true)],
    ['a running step', () => play(prepared).run, measured('set-image', 'failed', true)],
    ['a check that already passed', () => play(prepared).run, measured('db-up', 'failed', true)],
    ['a check that has not started', started, measured('errors', 'failed', true)],
  ])('are ignored for %s', (_what, runOf, event) => {
    const run = runOf();
    const next = transition(run, event, T0 + 30 * MIN);
    expect(next).toEqual({ run, audit: [], effects: [] });
    expect(next.run).toBe(run);
  });

  it('pass a check: done by flightdeck, audited with the id and the message', () => {
    const next = transition(started(), measured('db-up', 'successful', false, 'connected in 3 ms'), T0 + 2 * MIN);
    expect(itemOf(next.run, 'db-up')).toMatchObject({ state: 'done', by: 'flightdeck', at: T0 + 2 * MIN, attempts: 1, detail: 'connected in 3 ms' });
    expect(next.audit).toEqual([expect.objectContaining({ action: 'check.passed', actor: 'flightdeck', detail: 'db-up: connected in 3 ms' })]);
  });

  it('fail the run after the last of several tries, saying "failed" and how many tries', () => {
    const tried = play([start, measured('db-up', 'failed', false, 'refused'), measured('db-up', 'failed', false, 'refused')]).run;
    expect(itemOf(tried, 'db-up')).toMatchObject({ state: 'running', attempts: 2 });
    const next = transition(tried, measured('db-up', 'failed', true, 'connection refused'), T0 + 5 * MIN);
    expect(next.run).toMatchObject({ state: 'failed', reason: 'check "Database answers" failed after 3 tries: connection refused' });
    expect(itemOf(next.run, 'db-up')).toMatchObject({ state: 'failed', by: 'flightdeck', at: T0 + 5 * MIN, attempts: 3 });
    expect(next.audit[0]).toMatchObject({ action: 'check.failed', actor: 'flightdeck', detail: 'db-up: connection refused' });
  });

  it('name the outcome when the last try was not a plain failure', () => {
    const next = transition(started(), measured('db-up', 'inconclusive', true, 'no data'), T0 + 5 * MIN);
    expect(next.run.reason).toBe('check "Database answers" was inconclusive after 1 try: no data');
  });

  it('fail only a follow-up phase, not the succeeded run, and tell the thread', () => {
    const open = followUpOpen();
    const next = transition(open, measured('errors', 'failed', true, 'budget burnt'), T0 + 26 * HOUR);
    expect(next.run.state).toBe('succeeded');
    expect(next.run.endedAt).toBe(open.endedAt);
    expect(next.run.phases.map((phase) => phase.state)).toEqual(['done', 'done', 'done', 'failed']);
    expect(itemOf(next.run, 'errors')).toMatchObject({ state: 'failed', by: 'flightdeck' });
    expect(next.audit.map((entry) => entry.action)).toEqual(['check.failed']);
    expect(next.effects).toEqual([
      { type: 'thread', note: { kind: 'follow-up-failed', phaseTitle: 'Next day', reason: 'check "Error budget" failed after 1 try: budget burnt' } },
    ]);
  });
});

describe('where people may act', () => {
  it('names the phase that must finish first when an item belongs to a later one', () => {
    // Prepare is done and Roll out active: ticking an item of Verify names Roll out, not Prepare.
    const run = play(prepared).run;
    expect(run.phases.map((phase) => phase.state)).toEqual(['done', 'active', 'pending', 'pending']);
    const err = refusal(() => transition(run, tick('smoke'), T0 + 30 * MIN));
    expect(err.code).toBe('item-not-tickable');
    expect(err.message).toBe('"Smoke test passed" belongs to phase "Verify": phase "Roll out" must finish first.');
  });

  it('refuses the items of a follow-up that failed as not active, not as not due', () => {
    const failed = transition(followUpOpen(), measured('errors', 'failed', true), T0 + 26 * HOUR).run;
    const err = refusal(() => transition(failed, tick('budget'), T0 + 27 * HOUR));
    expect(err.code).toBe('item-not-tickable');
    expect(err.data).toMatchObject({ key: 'phase-not-active', phase: { title: 'Next day' } });
  });

  it('lets people tick and approve the items of a due follow-up on a succeeded run', () => {
    const open = followUpOpen();
    const ticked = transition(open, tick('budget'), T0 + 26 * HOUR);
    expect(itemOf(ticked.run, 'budget')).toMatchObject({ state: 'done', by: 'U2' });
    const approved = transition(ticked.run, { type: 'approve', itemId: 'review', actor: 'U4', actorRoles: ['tech-lead'] }, T0 + 27 * HOUR);
    expect(itemOf(approved.run, 'review')).toMatchObject({ state: 'done', by: 'U4' });
    expect(approved.run.state).toBe('succeeded');
  });

  it('refuses a tick of an item of a succeeded run that is not a follow-up, or is unknown, as run-finished', () => {
    const run = play(succeeded).run;
    expect(refusal(() => transition(run, tick('smoke', 'U3'), T0 + HOUR)).code).toBe('run-finished');
    expect(refusal(() => transition(run, tick('no-such-item'), T0 + HOUR)).code).toBe('run-finished');
  });

  it.each<[string, 'tick' | 'approve', string, string]>([
    ['a manual item', 'tick', 'announce', 'Announce'],
    ['a sign-off', 'approve', 'lead', 'Tech lead approves'],
  ])('refuses %s a stored run holds as skipped, naming its state', (_what, type, itemId, title) => {
    // Only a stored document can hold this (flightdeck skips running items only); the run schema allows it.
    const run = started();
    itemOf(run, itemId).state = 'skipped';
    const err = refusal(() => transition(run, { type, itemId, actor: 'U9', actorRoles: ['tech-lead'] }, T0 + 5 * MIN));
    expect(err.code).toBe('item-not-tickable');
    expect(err.message).toBe(`"${title}" cannot be ticked: it is skipped.`);
  });
});
