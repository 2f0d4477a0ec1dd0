import { afterEach, describe, expect, it, vi } from 'vitest';
import type { RunDraft } from '../../src/run/core/run-draft.js';
import { transition } from '../../src/run/core/transition.js';
import { RUN_TRANSITIONS } from '../../src/run/core/transition-table.js';
import { measured, MIN, play, refusal, start, T0, tick } from './run-item-fixture.js';

/*
 * `transition` holds every apply function to its row of the table: a rule that leads to a state its row
 * does not list, or asks for an effect it does not list, is a bug reported as `internal`, and the run is
 * left as it was. No rule of the shipped table does either, so each test here swaps one row's apply
 * function for a faulty one (restored after the test): the only way to see the check work.
 */

afterEach(() => {
  vi.restoreAllMocks();
});

describe('the transition table as a contract', () => {
  it('refuses a rule that leads to a state its row does not list', () => {
    vi.spyOn(RUN_TRANSITIONS.tick, 'apply').mockReturnValue('failed');
    const run = play([start]).run;
    const err = refusal(() => transition(run, tick('announce'), T0 + 5 * MIN));
    expect(err.code).toBe('internal');
    expect(err.message).toBe('Event tick on run 12 (running) led to failed, which its row of the transition table does not list.');
    expect(run.state).toBe('running');
  });

  it('refuses a rule that may stay but leads to a state its row does not list', () => {
    // check-measured lists `stay` and `failed`; `aborted` is neither.
    vi.spyOn(RUN_TRANSITIONS['check-measured'], 'apply').mockReturnValue('aborted');
    const err = refusal(() => transition(play([start]).run, measured('db-up', 'failed', true), T0 + 5 * MIN));
    expect(err.message).toBe('Event check-measured on run 12 (running) led to aborted, which its row of the transition table does not list.');
  });

  it('refuses a rule that asks for an effect its row does not list', () => {
    vi.spyOn(RUN_TRANSITIONS.tick, 'apply').mockImplementation((draft: RunDraft) => {
      draft.effects.push({ type: 'page-failure', detail: 'x' });
      return draft.run.state;
    });
    const err = refusal(() => transition(play([start]).run, tick('announce'), T0 + 5 * MIN));
    expect(err.code).toBe('internal');
    expect(err.message).toBe('Event tick on run 12 (running) asked for the effect page-failure, which its row of the transition table does not list.');
  });
});
