import { describe, expect, it } from 'vitest';
import { showsChange } from '../../src/run/core/shows-change.js';
import { transition } from '../../src/run/core/transition.js';
import type { Run } from '../../src/run/core/run-schema.js';
import { renderRunMessage } from '../../src/slack/render-run-message.js';
import { MIN, runOf, T0 } from './render-fixtures.js';

// The fields showsChange leaves out must be ones the run message never shows: rendered with and without them,
// the message is the same. A change of anything else counts as shown.

const checklist = {
  name: 'shown',
  phases: [{ id: 'rollout', title: 'Rollout', items: [{ id: 'ready', kind: 'manual', title: 'Ready' }] }],
};

function ended(): Run {
  const started = transition(runOf(checklist), { type: 'start', actor: 'UREQ' }, T0 + MIN).run;
  return transition(started, { type: 'tick', itemId: 'ready', actor: 'UREQ', actorRoles: [] }, T0 + 2 * MIN).run;
}

describe('showsChange', () => {
  it('is false for the fields the message never shows, and the message is the same without them', () => {
    const before = ended();
    expect(before.state).toBe('succeeded');
    const after: Run = {
      ...before,
      seq: before.seq + 1,
      updatedAt: before.updatedAt + MIN,
      summaryPosted: true,
      closingNotes: [{ kind: 'run-succeeded', runId: before.id, image: 'reg/api:2', environment: 'production' }],
    };
    expect(showsChange(before, after)).toBe(false);
    expect(renderRunMessage(after)).toEqual(renderRunMessage(before));
  });

  it('is true for any change the message can show', () => {
    const before = ended();
    expect(showsChange(before, { ...before, state: 'failed' })).toBe(true);
    expect(showsChange(before, { ...before, messageTs: '1.2' })).toBe(true);
    const started = transition(runOf(checklist), { type: 'start', actor: 'UREQ' }, T0 + MIN).run;
    expect(showsChange(started, transition(started, { type: 'tick', itemId: 'ready', actor: 'UREQ', actorRoles: [] }, T0 + 2 * MIN).run)).toBe(true);
  });
});
