import { describe, expect, it } from 'vitest';
import { foldClosingNotes } from '../../src/run/core/fold-closing-notes.js';
import type { Run } from '../../src/run/core/run-schema.js';
import { transition, type RunEvent, type Transition } from '../../src/run/core/transition.js';
import { renderRunSummary } from '../../src/slack/views/render-summary.js';
import { expectWithinLimits, MIN, runOf, T0, textOf } from './render-fixtures.js';

// The transition that ends a run says its notes in the deployment summary, one reply in place of three; any
// other transition, and one that uploads a Job's log, keeps its replies.


const checklist = {
  name: 'fold',
  phases: [
    { id: 'prep', title: 'Prep', items: [{ id: 'ready', kind: 'manual', title: 'Ready' }] },
    { id: 'rollout', title: 'Rollout', items: [{ id: 'set-image', kind: 'step', action: 'set-image' }, { id: 'wait', kind: 'step', action: 'wait-rollout' }] },
  ],
};

const newRun = (): Run => runOf(checklist);

/** Applies events in order as the engine does (each transition folded), one minute apart. */
function play(events: RunEvent[], run = newRun()): Transition[] {
  const steps: Transition[] = [];
  let current = run;
  events.forEach((event, i) => {
    const next = foldClosingNotes(transition(current, event, T0 + (i + 1) * MIN));
    steps.push(next);
    current = next.run;
  });
  return steps;
}

const toRollout: RunEvent[] = [
  { type: 'start', actor: 'UREQ' },
  { type: 'tick', itemId: 'ready', actor: 'UREQ', actorRoles: [] },
];

describe('foldClosingNotes', () => {
  it('moves the notes of the transition that succeeds into the run, for the summary, and keeps the other effects in order', () => {
    const steps = play([...toRollout, { type: 'step-succeeded', itemId: 'set-image', detail: 'set' }, { type: 'step-succeeded', itemId: 'wait', detail: 'done' }]);
    const last = steps.at(-1)!;
    expect(last.run.state).toBe('succeeded');
    expect(last.effects.map((effect) => effect.type)).toEqual(['stop-guards', 'summary']);
    expect(last.run.closingNotes).toEqual([
      { kind: 'phase-completed', phaseTitle: 'Rollout', followUp: false },
      { kind: 'run-succeeded', runId: '42', image: 'registry/api:2.0.0', environment: 'production' },
    ]);
    // The notes of earlier transitions stay replies of their own.
    expect(steps[1]!.effects).toContainEqual({ type: 'thread', note: { kind: 'phase-completed', phaseTitle: 'Prep', followUp: false } });
    expect(steps[1]!.run.closingNotes).toBeUndefined();
  });

  it('folds the notes of a run that ends otherwise, and the summary says them first', () => {
    const steps = play([{ type: 'start', actor: 'UREQ' }, { type: 'abort', actor: 'U2', reason: 'wrong version' }]);
    const last = steps.at(-1)!;
    expect(last.effects.some((effect) => effect.type === 'thread')).toBe(false);
    expect(last.run.closingNotes?.map((note) => note.kind)).toContain('run-ended');
    const summary = renderRunSummary(last.run);
    const text = textOf(summary.blocks);
    expect(text.indexOf('Run #42 aborted')).toBeGreaterThanOrEqual(0);
    expect(text.indexOf('Run #42 aborted')).toBeLessThan(text.indexOf('*Deployment summary*'));
    expect(summary.text.startsWith('Deployment summary for run #42')).toBe(true);
    expect(summary.text).toContain('Run #42 aborted');
  });

  it('keeps notes that carry workload or probe text as replies, and folds only the notes after the last of them', () => {
    const run = newRun();
    const failed = { kind: 'step-failed' as const, itemTitle: 'Migrate', reason: 'exit 3' };
    const ended = { kind: 'run-ended' as const, runId: '42', state: 'failed' as const, reason: 'exit 3' };
    const breached = { kind: 'guard-breached' as const, guardTitle: 'Errors', detail: '7% > 5%', action: 'notify' as const };
    const next = (...notes: Transition['effects']): Transition => ({ run, audit: [], effects: [...notes, { type: 'summary' }] });
    const failure = foldClosingNotes(next({ type: 'thread', note: failed }, { type: 'thread', note: ended }));
    expect(failure.effects).toEqual([{ type: 'thread', note: failed }, { type: 'summary' }]);
    expect(failure.run.closingNotes).toEqual([ended]);
    // A note that stays a reply after a foldable one: folding the earlier one would post them out of order.
    const inverted = next({ type: 'thread', note: ended }, { type: 'thread', note: breached });
    expect(foldClosingNotes(inverted)).toBe(inverted);
  });

  it('says a folded note whole in the summary, however long, cut into sections rather than clipped', () => {
    const reason = `${'x'.repeat(4000)} the end`;
    const run: Run = { ...newRun(), state: 'aborted', closingNotes: [{ kind: 'run-ended', runId: '42', state: 'aborted', reason }] };
    const summary = renderRunSummary(run);
    const said = summary.blocks.map((block) => (block.type === 'section' ? (block.text?.text ?? '') : '')).join('');
    expect(said.replace(/\n/g, '')).toContain(reason);
    expectWithinLimits(summary.blocks);
  });

  it('leaves a transition without a summary, and one that uploads a Job log, as they are', () => {
    const started = transition(newRun(), { type: 'start', actor: 'UREQ' }, T0);
    expect(foldClosingNotes(started)).toBe(started);
    const withLog: Transition = {
      ...started,
      effects: [{ type: 'thread', note: { kind: 'run-succeeded', runId: '42', image: 'i', environment: 'e' } }, { type: 'job-log-file', itemId: 'migrate' }, { type: 'summary' }],
    };
    expect(foldClosingNotes(withLog)).toBe(withLog);
  });

  it('keeps a follow-up note that posts the log again as a reply, and appends to notes folded before', () => {
    const run: Run = { ...newRun(), closingNotes: [{ kind: 'run-succeeded', runId: '42', image: 'i', environment: 'e' }] };
    const next: Transition = {
      run,
      audit: [],
      effects: [
        { type: 'thread', note: { kind: 'phase-completed', phaseTitle: 'Day after', followUp: true } },
        { type: 'thread', note: { kind: 'watch-started', until: T0, guards: ['errors'] } },
        { type: 'summary' },
      ],
    };
    const folded = foldClosingNotes(next);
    expect(folded.effects).toEqual([next.effects[0], { type: 'summary' }]);
    expect(folded.run.closingNotes).toHaveLength(2);
    expect(run.closingNotes).toHaveLength(1);
  });
});
