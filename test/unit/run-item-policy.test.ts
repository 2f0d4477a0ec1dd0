import { describe, expect, it } from 'vitest';
import { approveRefusal, requesterMayTick, tickRefusal } from '../../src/run/core/item-policy.js';
import type { RunItem } from '../../src/run/core/run-item-schema.js';
import { transition } from '../../src/run/core/transition.js';
import { approve, itemOf, MIN, newRun, play, refusal, start, T0, tick } from './run-item-fixture.js';

// Who may tick or approve (src/run/core/item-policy.ts), as the state machine and the gate ask it: the
// words of its refusals, the default for runs stored before `requesterMayTick`, and `distinctSigners`.

type Manual = Extract<RunItem, { kind: 'manual' }>;
const manual = (fields: Partial<Manual>): Manual => ({ id: 'm', kind: 'manual', title: 'Box', state: 'pending', ...fields });

describe('requesterMayTick', () => {
  it('is what the item says, and for runs stored without it: yes unless the item has a role', () => {
    expect(requesterMayTick(manual({}))).toBe(true);
    expect(requesterMayTick(manual({ role: 'qa' }))).toBe(false);
    expect(requesterMayTick(manual({ role: 'qa', requesterMayTick: true }))).toBe(true);
    expect(requesterMayTick(manual({ requesterMayTick: false }))).toBe(false);
  });
});

describe('the requester ticking', () => {
  it('is refused on a role item, in words that name the run and the item, with the remedy', () => {
    const err = refusal(() => transition(play([start]).run, tick('qa-ok', 'UREQ', ['qa']), T0 + 5 * MIN));
    expect(err.code).toBe('forbidden');
    expect(err.message).toBe('You requested run #12, so you may not tick "QA verified": someone else must check it.');
    expect(err.remedy).toBe('Ask a colleague to tick it; the checklist sets `requesterMayTick: true` on items the requester may tick.');
  });

  it('is refused on a role item of a run stored before requesterMayTick, and allowed on a box without a role', () => {
    const run = play([start]).run;
    for (const id of ['qa-ok', 'announce']) delete (itemOf(run, id) as Manual).requesterMayTick;
    expect(refusal(() => transition(run, tick('qa-ok', 'UREQ', ['qa']), T0 + 5 * MIN)).code).toBe('forbidden');
    expect(itemOf(transition(run, tick('announce', 'UREQ'), T0 + 5 * MIN).run, 'announce')).toMatchObject({ state: 'done', by: 'UREQ' });
  });
});

describe('the policy asked about an item of the other kind', () => {
  // The gate asks before the state machine, which then refuses the kind in its own words.
  it('has no objection: a tick of a sign-off, an approval of a box', () => {
    const run = play([start]).run;
    expect(tickRefusal(run, itemOf(run, 'lead'), 'U9', [])).toBeNull();
    expect(approveRefusal(run, itemOf(run, 'announce'), 'U9', [])).toBeNull();
  });
});

describe('distinctSigners', () => {
  it('refuses a second sign-off by the same person, naming the one they gave, with the remedy', () => {
    const run = play([start, approve('lead', 'U4', ['tech-lead'])], newRun({ distinctSigners: true })).run;
    const err = refusal(() => transition(run, approve('sec', 'U4', ['security']), T0 + 5 * MIN));
    expect(err.code).toBe('forbidden');
    expect(err.message).toBe('You already signed off "Tech lead approves" on run #12, and one person counts for at most one sign-off of a run.');
    expect(err.remedy).toBe('Ask someone else who holds the role; the checklist says `distinctSigners: true`.');
  });

  it('lets another person sign off the next item, past the boxes of the run', () => {
    const run = play([start, approve('lead', 'U4', ['tech-lead'])], newRun({ distinctSigners: true })).run;
    const next = transition(run, approve('sec', 'U5', ['security']), T0 + 5 * MIN);
    expect(itemOf(next.run, 'sec')).toMatchObject({ state: 'done', by: 'U5' });
  });

  it("has no objection to the person's own approval of the same item: the state machine says it is already approved", () => {
    const run = play([start, approve('lead', 'U4', ['tech-lead'])], newRun({ distinctSigners: true })).run;
    expect(approveRefusal(run, itemOf(run, 'lead'), 'U4', ['tech-lead'])).toBeNull();
    expect(refusal(() => transition(run, approve('lead', 'U4', ['tech-lead']), T0 + 5 * MIN)).data).toMatchObject({ key: 'already-approved' });
  });

  it('is not checked when the checklist does not ask for it', () => {
    const run = play([start, approve('lead', 'U4', ['tech-lead'])]).run;
    expect(run.distinctSigners).toBeFalsy();
    const next = transition(run, approve('sec', 'U4', ['security']), T0 + 5 * MIN);
    expect(itemOf(next.run, 'sec')).toMatchObject({ state: 'done', by: 'U4' });
  });
});
