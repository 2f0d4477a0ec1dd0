import { describe, expect, it } from 'vitest';
import { createRollbackRun } from '../../src/run/core/create-rollback-run.js';
import type { Run } from '../../src/run/core/run-schema.js';
import { transition, type RunEvent } from '../../src/run/core/transition.js';
import { approve, MIN, play, prepared, refusal, start, T0, tick } from './run-item-fixture.js';

// The refusals of the state machine as a person reads them (keys in src/run/core/transition-errors.ts,
// words in src/errors/run-refusals.ts): each names the run, item or phase it is about. The tables in
// run-people and run-lifecycle match them loosely; these match them whole.

const RUN = 'Run 12 (api 1.4.2 to production)';

/** A rollback run flightdeck started itself for run 12: its reason is `undoes`. */
function rollbackRun(): Run {
  return createRollbackRun(
    {
      id: '13',
      of: null,
      service: 'api',
      environment: 'production',
      target: { cluster: 'prod', namespace: 'api', deployment: 'api', container: 'api', image: 'registry/api:1.4.1' },
      requestedBy: 'flightdeck',
      channel: 'C1',
      reason: { kind: 'undoes', runId: '12', cause: 'check "Health" failed after 1 try: 500' },
    },
    T0,
  );
}

describe('an ended run', () => {
  it('says who aborted it and why', () => {
    const aborted = transition(play([start]).run, { type: 'abort', actor: 'U5', reason: 'wrong version' }, T0 + 5 * MIN).run;
    const err = refusal(() => transition(aborted, tick('announce'), T0 + 6 * MIN));
    expect(err.code).toBe('run-finished');
    expect(err.message).toBe(`${RUN} has already finished: it was aborted (aborted by <@U5>: wrong version).`);
  });

  it('gives the words flightdeck ended it with', () => {
    const failed = transition(play([start]).run, { type: 'check-measured', itemId: 'db-up', measurement: { outcome: 'failed', message: 'refused', at: T0 }, final: true }, T0 + 5 * MIN).run;
    expect(refusal(() => transition(failed, tick('announce'), T0 + 6 * MIN)).message).toBe(
      `${RUN} has already finished: it failed (check "Database answers" failed after 1 try: refused).`,
    );
  });

  it('of a rollback run does not give the reason it was started for as the reason it ended', () => {
    const steps = ['rollback', 'wait-rollout'].map((itemId): RunEvent => ({ type: 'step-succeeded', itemId, detail: 'ok' }));
    const done = play([start, ...steps], rollbackRun()).run;
    expect(done.state).toBe('succeeded');
    const err = refusal(() => transition(done, { type: 'step-succeeded', itemId: 'rollback', detail: 'again' }, T0 + 9 * MIN));
    expect(err.message).toBe('Run 13 (api previous revision to production) has already finished: it succeeded.');
  });
});

describe('refusals of items', () => {
  const rows: [string, RunEvent[], RunEvent, string, string][] = [
    ['tick before the start', [], tick('announce'), 'item-not-tickable', `${RUN} has not started yet, so "Announce" cannot be ticked.`],
    ['tick a check', [start], tick('db-up'), 'item-not-tickable', '"Database answers" is a check flightdeck runs itself; it cannot be ticked.'],
    ['approve a box', [start], approve('announce', 'U4', []), 'item-not-tickable', '"Announce" is a box to tick, not a sign-off.'],
    [
      'self-approval',
      [start],
      approve('lead', 'UREQ', ['tech-lead']),
      'forbidden',
      'You requested run 12 (api 1.4.2 to production), so you may not approve "Tech lead approves": four-eyes principle, someone else must sign off.',
    ],
    ['tick twice', prepared.slice(0, 3), tick('announce', 'U6'), 'item-already-done', '"Announce" was already ticked by <@U2> at 14:03 UTC.'],
    ['approve a complete sign-off', prepared.slice(0, 5), approve('lead', 'U6', ['tech-lead']), 'item-already-done', '"Tech lead approves" was already signed off by <@U4> at 14:05 UTC.'],
    ['tick a follow-up before the run succeeded', [start], tick('budget'), 'item-not-tickable', '"Budget reviewed" belongs to the follow-up "Next day", which is due after the run succeeds.'],
  ];

  it.each(rows)('%s', (_name, before, event, code, message) => {
    const err = refusal(() => transition(play(before).run, event, T0 + 30 * MIN));
    expect(err.code).toBe(code);
    expect(err.message).toBe(message);
  });

  it('names the item missing from the run and its checklist', () => {
    const err = refusal(() => transition(play([start]).run, tick('nope'), T0 + 5 * MIN));
    expect(err.code).toBe('item-not-found');
    expect(err.message).toBe(`${RUN} has no item "nope".`);
    expect(err.remedy).toBe('Its checklist is "edges"; use the buttons in the run\'s message.');
  });
});

describe('refusals of guards, phases and rollbacks', () => {
  const rows: [string, () => Run, RunEvent, string, string][] = [
    [
      'an unknown guard',
      () => play([start]).run,
      { type: 'guard-assessed', guardId: 'latency', assessment: { status: 'healthy', values: [], reason: 'fine' } },
      'item-not-found',
      `${RUN} has no guard "latency".`,
    ],
    ['an unknown phase', () => play([start]).run, { type: 'phase-due', phaseId: 'week-after' }, 'item-not-found', `${RUN} has no phase "week-after".`],
    ['a regular phase due', () => play([start]).run, { type: 'phase-due', phaseId: 'verify' }, 'usage', 'Phase "Verify" is not a follow-up; it runs when the phase before it is done.'],
    [
      'a rollback of a rollback run',
      rollbackRun,
      { type: 'rollback-started', rollbackRunId: '14', actor: 'U5' },
      'usage',
      'Run 13 is itself a rollback; roll back with /rollback and a revision instead.',
    ],
  ];

  it.each(rows)('%s', (_name, runOf, event, code, message) => {
    const err = refusal(() => transition(runOf(), event, T0 + 30 * MIN));
    expect(err.code).toBe(code);
    expect(err.message).toBe(message);
  });
});
