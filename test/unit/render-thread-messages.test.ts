import { describe, expect, it } from 'vitest';
import { transition, type RunEvent } from '../../src/run/core/transition.js';
import type { Run } from '../../src/run/core/run-schema.js';
import { renderPhaseReminder } from '../../src/slack/views/render-phase-reminder.js';
import { renderRunSummary } from '../../src/slack/views/render-summary.js';
import { buttonsOf, expectWithinLimits, MIN, runOf, T0, textOf } from './render-fixtures.js';

const checklist = {
  name: 'release',
  roles: { lead: 'approves', security: 'reviews' },
  phases: [
    {
      id: 'approvals',
      title: 'Approvals',
      items: [
        { id: 'lead', kind: 'signoff', title: 'Tech lead approves', role: 'lead' },
        { id: 'sec', kind: 'signoff', title: 'Security approves', role: 'security' },
      ],
    },
    { id: 'rollout', title: 'Rollout', items: [{ id: 'set-image', kind: 'step', action: 'set-image' }, { id: 'wait', kind: 'step', action: 'wait-rollout' }] },
    {
      id: 'day-after',
      title: 'Day after',
      after: '24h',
      items: [
        { id: 'errors', kind: 'manual', title: 'Error budget looked at' },
        { id: 'retro', kind: 'signoff', title: 'Retro held', role: 'lead' },
      ],
    },
  ],
};

function play(run: Run, events: RunEvent[]): Run {
  return events.reduce((current, event, i) => transition(current, event, T0 + (i + 1) * MIN).run, run);
}

const toRollout: RunEvent[] = [
  { type: 'start', actor: 'UREQ' },
  { type: 'approve', itemId: 'lead', actor: 'ULEAD', actorRoles: ['lead'] },
  { type: 'approve', itemId: 'sec', actor: 'USEC', actorRoles: ['security'] },
];

describe('renderRunSummary', () => {
  it('says when, who, which version, how long, who signed off, no issues and no rollback for a clean run', () => {
    const run = play(runOf(checklist), [
      ...toRollout,
      { type: 'step-succeeded', itemId: 'set-image', detail: 'image set' },
      { type: 'step-succeeded', itemId: 'wait', detail: 'rolled out' },
    ]);
    expect(run.state).toBe('succeeded');
    const summary = renderRunSummary(run);
    const text = textOf(summary.blocks);
    expect(summary.text).toBe('Deployment summary for run #42: api 2.0.0 to production, succeeded');
    expect(text).toContain('Date: 2025-03-14 14:00 UTC · deployed by <@UREQ> · version `2.0.0`');
    expect(text).toContain('took 5m 00s');
    expect(text).toContain('Tech lead approves (`lead`): <@ULEAD> at 14:02 UTC');
    expect(text).toContain('Security approves (`security`): <@USEC> at 14:03 UTC');
    expect(text).toContain('*Issues met*\\n• none');
    expect(text).toContain('*Rollback needed:* no');
    expectWithinLimits(summary.blocks);
  });

  it('lists the failed item, guard breaches and the rollback run', () => {
    const failed = play(runOf(checklist), [
      ...toRollout,
      { type: 'step-succeeded', itemId: 'set-image', detail: 'image set' },
      { type: 'step-failed', itemId: 'wait', reason: 'progress deadline exceeded', outcome: 'failed' },
    ]);
    const withBreach: Run = {
      ...failed,
      breaches: [{ guardId: 'errors', action: 'rollback', detail: 'error rate 0.2 above 0.05', at: T0 + 5 * MIN }],
    };
    const rolledBack = play(withBreach, [
      { type: 'rollback-started', rollbackRunId: '43', actor: 'flightdeck' },
      { type: 'rollback-finished', ok: true, detail: 'revision 3 restored' },
    ]);
    const text = textOf(renderRunSummary(rolledBack).blocks);
    expect(text).toContain('Rollout › Wait for rollout: progress deadline exceeded');
    expect(text).toContain('Guard errors breached at 14:05 UTC (rollback): error rate 0.2 above 0.05');
    expect(text).toContain('*Rollback needed:* yes — run #43 (rolled back)');
  });
});

describe('renderPhaseReminder', () => {
  const succeeded = play(runOf(checklist, { start: false, signoffs: true }), [
    ...toRollout,
    { type: 'step-succeeded', itemId: 'set-image', detail: 'image set' },
    { type: 'step-succeeded', itemId: 'wait', detail: 'rolled out' },
    { type: 'phase-due', phaseId: 'day-after' },
  ]);

  it('names the run and offers a button per open item of the due phase', () => {
    const reminder = renderPhaseReminder(succeeded, 'day-after');
    expect(reminder.text).toBe('Follow-up "Day after" for run #42 is due');
    expect(textOf(reminder.blocks)).toContain('2 of 2 still open');
    expect(buttonsOf(reminder.blocks).map((button) => button.action_id)).toEqual(['item.tick.errors', 'item.approve.retro']);
    expect(buttonsOf(reminder.blocks)[1]!.confirm).toBeDefined();
    expectWithinLimits(reminder.blocks);
  });

  it('shows who ticked once an item is done', () => {
    const ticked = play(succeeded, [{ type: 'tick', itemId: 'errors', actor: 'UBOB', actorRoles: [] }]);
    const reminder = renderPhaseReminder(ticked, 'day-after');
    expect(textOf(reminder.blocks)).toContain('Error budget looked at — <@UBOB>');
    expect(buttonsOf(reminder.blocks).map((button) => button.action_id)).toEqual(['item.approve.retro']);
  });

  it('refuses a phase the run does not have', () => {
    expect(() => renderPhaseReminder(succeeded, 'nope')).toThrow(/has no phase "nope"/);
  });
});
