import { describe, expect, it } from 'vitest';
import { checklistSchema } from '../../src/checklist/checklist-schema.js';
import { describeRollback } from '../../commands/rollback.js';
import { createRollbackRun } from '../../src/run/core/create-rollback-run.js';
import { createRun } from '../../src/run/core/create-run.js';
import type { Run } from '../../src/run/core/run-schema.js';
import { isHeld } from '../../src/run/core/transition-hold.js';
import { transition, type RunEvent } from '../../src/run/core/transition.js';
import { rollbackPlanBlocks } from '../../src/slack/views/rollback-plan-blocks.js';
import { runControls } from '../../src/slack/views/run-controls.js';
import { wordThreadNote } from '../../src/slack/views/word-thread-note.js';

// A deploy that ran a Job nothing can undo is held rather than rolled back (endRun's `hold`), whatever ended it
// (a guard, a failed step, an abort); `hold-kept` records a person's decision to keep it so; the message, the
// thread and the /rollback dialog say so in advance and after.

const T0 = Date.UTC(2026, 11, 6, 1, 0, 0);
const target = { cluster: 'prod', namespace: 'api', deployment: 'api', container: 'api', image: 'registry/api:2.0.0' };

const checklist = checklistSchema.parse({
  name: 'migrating',
  phases: [
    {
      id: 'db',
      title: 'Database',
      items: [
        { id: 'backup', kind: 'step', action: 'job', title: 'Back up', command: ['pg_dump'], revert: { command: ['pg_restore'] } },
        { id: 'drop', kind: 'step', action: 'job', title: 'Drop the legacy column', command: ['drop'], irreversible: true },
      ],
    },
    { id: 'rollout', title: 'Rollout', items: [{ id: 'set-image', kind: 'step', action: 'set-image' }] },
    { id: 'verify', title: 'Verify', items: [{ id: 'look', kind: 'manual', title: 'Look' }] },
  ],
  guards: [{ id: 'errors', title: 'Error rate', probe: { type: 'prometheus', query: 'x', above: 0.05 }, for: '1m', action: 'rollback' }],
});

function apply(run: Run, ...events: RunEvent[]): ReturnType<typeof transition> {
  let last = transition(run, events[0]!, T0);
  for (const event of events.slice(1)) last = transition(last.run, event, T0);
  return last;
}

/** Started, with the backup done and the drop (irreversible) `dropState`; the image set when the drop is done. */
function migrating(dropState: 'done' | 'pending'): Run {
  const created = createRun({ id: '40', service: 'api', environment: 'production', version: '2.0.0', target, requestedBy: 'U1', channel: 'C1', checklist }, T0);
  let run = apply(created, { type: 'start', actor: 'U1' }, { type: 'step-succeeded', itemId: 'backup', detail: 'ok' }).run;
  if (dropState === 'done') run = apply(run, { type: 'step-succeeded', itemId: 'drop', detail: 'ok' }, { type: 'step-succeeded', itemId: 'set-image', detail: 'ok' }).run;
  return run;
}

describe('holding a run whose Jobs cannot be undone', () => {
  it('a rollback guard breach after the irreversible Job ran fails the run and holds it: no rollback asked for, audited, the thread told', () => {
    const run = migrating('done');
    expect(run.state).toBe('waiting');
    const t = transition(run, { type: 'guard-breached', guardId: 'errors', action: 'rollback', detail: '0.3 > 0.05' }, T0 + 1);
    expect(t.run.state).toBe('failed');
    expect(isHeld(t.run)).toBe(true);
    expect(t.effects.map((effect) => effect.type)).toContain('hold');
    expect(t.effects.map((effect) => effect.type)).not.toContain('request-rollback');
    expect(t.effects).toContainEqual({ type: 'thread', note: { kind: 'guard-breached', guardTitle: 'Error rate', detail: '0.3 > 0.05', action: 'rollback', held: true } });
    expect(t.effects).toContainEqual({ type: 'thread', note: { kind: 'rollback-held', runId: '40', irreversible: ['Drop the legacy column'] } });
    expect(t.audit.map((entry) => entry.action)).toEqual(['guard.breached', 'run.failed', 'rollback.held']);
    expect(t.audit[2]!.detail).toBe('not rolled back automatically: drop ran and cannot be undone');
  });

  it('an abort after it ran holds too: the rollback an abort would ask for is automatic', () => {
    const t = transition(migrating('done'), { type: 'abort', actor: 'U5' }, T0 + 1);
    expect(t.run.state).toBe('failed');
    expect(t.effects.map((effect) => effect.type)).toContain('hold');
    expect(t.effects.map((effect) => effect.type)).not.toContain('request-rollback');
  });

  it('counts an irreversible Job that started as run (a half-applied change holds too); before it started, a failure rolls back as ever', () => {
    const pin: RunEvent = { type: 'rollback-target-recorded', target: { revision: '3', image: 'registry/api:1.0.0', template: {}, recordedAt: T0 } };
    const dropRunning = transition(migrating('pending'), pin, T0 + 1).run;
    expect(transition(dropRunning, { type: 'step-failed', itemId: 'drop', reason: 'exit 1', outcome: 'failed' }, T0 + 2).effects.map((effect) => effect.type)).toContain('hold');
    const created = createRun({ id: '41', service: 'api', environment: 'production', version: '2.0.0', target, requestedBy: 'U1', channel: 'C1', checklist }, T0);
    const backupRunning = apply(created, { type: 'start', actor: 'U1' }, pin).run;
    const t = transition(backupRunning, { type: 'abort', actor: 'U5' }, T0 + 2);
    expect(t.effects).toContainEqual({ type: 'request-rollback', reason: { kind: 'aborted', by: 'U5' } });
    expect(t.effects.map((effect) => effect.type)).not.toContain('hold');
  });

  it('a failure before the image changed holds too once a Job that cannot be undone started: the database changed, a person decides', () => {
    const t = transition(migrating('pending'), { type: 'step-failed', itemId: 'drop', reason: 'exit 1', outcome: 'failed' }, T0 + 1);
    expect(t.run.state).toBe('failed');
    expect(isHeld(t.run)).toBe(true);
    expect(t.effects.map((effect) => effect.type)).toEqual(['thread', 'thread', 'thread', 'hold', 'summary']);
    // Rolling back anyway runs the backup's revert and leaves the image alone: it never changed.
    const rollback = createRollbackRun({ id: '41', of: t.run, service: 'api', environment: 'production', target, requestedBy: 'U0BOB', channel: 'C1', reason: { kind: 'undoes', runId: '40', cause: 'failed' } }, T0 + 2);
    expect(rollback.phases[0]!.items.map((item) => item.id)).toEqual(['revert-backup']);
  });

  it('an abort before the run started changed nothing: the run ends aborted, with nothing to roll back or hold', () => {
    const created = createRun({ id: '42', service: 'api', environment: 'production', version: '2.0.0', target, requestedBy: 'U1', channel: 'C1', checklist }, T0);
    const t = apply(created, { type: 'abort', actor: 'U1' });
    expect(t.run.state).toBe('aborted');
    expect(t.effects.map((effect) => effect.type)).not.toContain('hold');
    expect(() => transition(t.run, { type: 'rollback-started', rollbackRunId: '43', actor: 'U1' }, T0 + 1)).toThrow(/nothing/i);
  });

  it("hold-kept audits the person's decision on a held run and changes nothing else; it is refused on any other run", () => {
    const held = transition(migrating('done'), { type: 'abort', actor: 'U5' }, T0 + 1).run;
    const t = transition(held, { type: 'hold-kept', actor: 'U0BOB' }, T0 + 2);
    expect(t.run.state).toBe('failed');
    expect(t.audit).toEqual([{ run: '40', actor: 'U0BOB', action: 'rollback.hold', detail: 'kept the image: drop cannot be undone', at: T0 + 2 }]);
    expect(t.effects).toEqual([{ type: 'thread', note: { kind: 'hold-kept', actor: 'U0BOB' } }]);
    expect(() => transition(migrating('pending'), { type: 'hold-kept', actor: 'U0BOB' }, T0 + 2)).toThrow(/is not held \(it is running\)/);
  });
});

describe('what people read about it', () => {
  it('the message shows the plan from the start, and drops it when the run ends unless it is held', () => {
    const created = createRun({ id: '40', service: 'api', environment: 'production', version: '2.0.0', target, requestedBy: 'U1', channel: 'C1', checklist }, T0);
    expect(rollbackPlanBlocks(created)).toEqual([
      {
        type: 'context',
        block_id: 'rollback-plan',
        elements: [
          {
            type: 'mrkdwn',
            text: ':leftwards_arrow_with_hook: *Rollback plan:* 1. revert *Back up*  2. restore the image (only the Jobs that ran are reverted)\n:octagonal_sign: Cannot be undone: *Drop the legacy column* — once it has run, a failure holds the run (traffic back to stable, the on-call paged) instead of rolling the image back',
          },
        ],
      },
    ]);
    const held = transition(migrating('done'), { type: 'abort', actor: 'U5' }, T0 + 1).run;
    expect(rollbackPlanBlocks(held)).toHaveLength(1);
    const aborted = transition(created, { type: 'abort', actor: 'U5' }, T0 + 1).run;
    expect(rollbackPlanBlocks(aborted)).toEqual([]);
  });

  it("the Abort button's confirmation says the run will be held, not rolled back, once the irreversible Job ran", () => {
    const run = migrating('done');
    const abort = runControls(run).find((button) => button.action_id === 'run.abort');
    expect(abort?.confirm?.text.text).toContain('a Job that cannot be undone ran: the run ends failed and is held');
    const pending = createRun({ id: '42', service: 'api', environment: 'production', version: '2.0.0', target, requestedBy: 'U1', channel: 'C1', checklist }, T0);
    const before = runControls(pending).find((button) => button.action_id === 'run.abort');
    expect(before?.confirm?.text.text).toContain('Nothing has reached the cluster yet');
  });

  it('the /rollback dialog lists the reverts it runs first and warns about what it cannot undo', () => {
    const held = transition(migrating('done'), { type: 'abort', actor: 'U5' }, T0 + 1).run;
    const text = describeRollback({ service: 'api', environment: 'production', runId: '40', channel: 'C1' }, held);
    expect(text).toContain('\nBefore the image, in this order: revert *Back up*.');
    expect(text).toContain('\n:warning: *Drop the legacy column* ran and cannot be undone: this rolls the image back anyway, over what it changed.');
  });

  it('the thread says the run is held, and who decided to keep it so', () => {
    expect(wordThreadNote({ kind: 'rollback-held', runId: '40', irreversible: ['Drop the legacy column'] })).toMatch(/^:octagonal_sign: Run #40 is \*held\*, not rolled back: \*Drop the legacy column\* ran and cannot be undone\./);
    expect(wordThreadNote({ kind: 'hold-kept', actor: 'U0BOB' })).toMatch(/^:octagonal_sign: <@U0BOB> decided to \*hold\*: the image stays\./);
    expect(wordThreadNote({ kind: 'guard-breached', guardTitle: 'Error rate', detail: 'x', action: 'rollback', held: true })).toContain('holding instead of rolling back');
  });
});
