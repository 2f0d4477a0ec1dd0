import { describe, expect, it } from 'vitest';
import { transition, type RunEvent } from '../../src/run/core/transition.js';
import { itemOf, MIN, play, start, T0 } from './run-item-fixture.js';

// Step reports come from the step worker; a report that names a check (a stale or misrouted job) must not
// end the check as if it were a step. run-transition-edges covers reports for steps that are not running.

describe('step reports naming a running check', () => {
  it.each<[string, RunEvent]>([
    ['progress', { type: 'step-progress', itemId: 'db-up', detail: '1/3 ready' }],
    ['success', { type: 'step-succeeded', itemId: 'db-up', detail: 'done' }],
    ['failure', { type: 'step-failed', itemId: 'db-up', reason: 'no', outcome: 'failed' }],
    ['lost lock', { type: 'lock-lost', itemId: 'db-up', holder: '9' }],
  ])('are ignored: %s', (_what, event) => {
    const run = play([start]).run;
    expect(itemOf(run, 'db-up')).toMatchObject({ kind: 'check', state: 'running' });
    const next = transition(run, event, T0 + 5 * MIN);
    expect(next).toEqual({ run, audit: [], effects: [] });
    expect(next.run).toBe(run);
  });
});
