import { describe, expect, it } from 'vitest';
import { createRollbackRun } from '../../src/run/core/create-rollback-run.js';
import { renderRunMessage } from '../../src/slack/render-run-message.js';
import { transition, type RunEvent } from '../../src/run/core/transition.js';
import type { Run } from '../../src/run/core/run-schema.js';
import { buttonsOf, expectWithinLimits, hundredItemChecklist, MIN, runOf, T0, textOf } from './render-fixtures.js';

const small = {
  name: 'small',
  roles: { lead: 'approves', security: 'reviews' },
  phases: [
    {
      id: 'pre',
      title: 'Pre-deployment',
      items: [
        { id: 'ci', kind: 'manual', title: 'CI is green' },
        { id: 'lead', kind: 'signoff', title: 'Tech lead approves', role: 'lead', quorum: 2, expires: '2h' },
        { id: 'health', kind: 'check', title: 'Dependencies healthy', probe: { type: 'http', url: 'http://db.shop/health' }, retries: 0 },
      ],
    },
    { id: 'rollout', title: 'Rollout', items: [{ id: 'set-image', kind: 'step', action: 'set-image' }, { id: 'wait', kind: 'step', action: 'wait-rollout' }] },
    { id: 'later', title: 'Day after', after: '24h', items: [{ id: 'errors', kind: 'manual', title: 'Error budget looked at' }] },
  ],
};

function play(run: Run, events: RunEvent[]): Run {
  return events.reduce((current, event, i) => transition(current, event, T0 + (i + 1) * MIN).run, run);
}

const start: RunEvent = { type: 'start', actor: 'UREQ' };
const approve = (actor: string): RunEvent => ({ type: 'approve', itemId: 'lead', actor, actorRoles: ['lead'] });
const measured: RunEvent = {
  type: 'check-measured',
  itemId: 'health',
  measurement: { outcome: 'successful', value: 0.02, message: 'error rate 0.02 below 0.05', at: T0 },
  final: true,
};

describe('renderRunMessage', () => {
  it('shows who asked, what, where and the state, with Start and Abort while pending', () => {
    const message = renderRunMessage(runOf(small, { start: true, signoffs: false }));
    const text = textOf(message.blocks);
    expect(message.text).toBe('Deploy api 2.0.0 to production: pending');
    expect(text).toContain('requested by <@UREQ> at 14:00 UTC');
    expect(text).toContain('`registry/api:2.0.0` → prod/shop/api');
    expect(text).toContain(':white_circle: pending');
    expect(buttonsOf(message.blocks).map((button) => button.action_id)).toEqual(['run.start', 'run.abort']);
    expectWithinLimits(message.blocks);
  });

  it('shows ticks, approvals against the quorum with expiry, the role needed and the measured value', () => {
    const run = play(runOf(small), [start, { type: 'tick', itemId: 'ci', actor: 'UBOB', actorRoles: [] }, approve('ULEAD'), measured]);
    const text = textOf(renderRunMessage(run).blocks);
    expect(text).toContain('CI is green — <@UBOB> at 14:02 UTC');
    expect(text).toContain('approvals 1/2: <@ULEAD> at 14:03 UTC, valid until 16:03 UTC');
    expect(text).toContain('needs `lead`');
    expect(text).toContain('measured `0.02` · error rate 0.02 below 0.05');
    const ids = buttonsOf(renderRunMessage(run).blocks).map((button) => button.action_id);
    expect(ids).toEqual(['item.approve.lead', 'run.pause', 'run.abort']);
  });

  it('asks for confirmation on sign-offs only where the run (or the option) says so, and always on abort', () => {
    const plain = play(runOf(small), [start]);
    const confirming = play(runOf(small, { start: false, signoffs: true }), [start]);
    const approveButton = (run: Run, options?: { confirmSignoffs: boolean }) =>
      buttonsOf(renderRunMessage(run, options).blocks).find((button) => button.action_id === 'item.approve.lead')!;
    expect(approveButton(plain).confirm).toBeUndefined();
    expect(approveButton(confirming).confirm?.title?.text).toBe('Sign off as lead?');
    expect(approveButton(plain, { confirmSignoffs: true }).confirm).toBeDefined();
    const abort = buttonsOf(renderRunMessage(plain).blocks).find((button) => button.action_id === 'run.abort')!;
    expect(abort.confirm?.text.text).toContain('Nothing has reached the cluster yet');
  });

  it('shows a running step with its progress, Resume while paused, and Rollback once the cluster changed', () => {
    const rolling = play(runOf(small), [start, { type: 'tick', itemId: 'ci', actor: 'UBOB', actorRoles: [] }, approve('ULEAD'), approve('UANN'), measured]);
    const progressed = transition(rolling, { type: 'step-progress', itemId: 'set-image', detail: '2 of 3 updated replicas are available' }, T0 + 9 * MIN).run;
    const text = textOf(renderRunMessage(progressed).blocks);
    expect(text).toContain('since 14:05 UTC — 2 of 3 updated replicas are available');
    const rollback = buttonsOf(renderRunMessage(progressed).blocks).find((button) => button.action_id === 'run.rollback');
    expect(rollback).toMatchObject({ value: '42' });
    const paused = transition(progressed, { type: 'pause', actor: 'UOPS', reason: 'lunch' }, T0 + 10 * MIN).run;
    const pausedMessage = renderRunMessage(paused);
    expect(buttonsOf(pausedMessage.blocks).map((button) => button.action_id)).toEqual(['run.resume', 'run.abort', 'run.rollback']);
    expect(textOf(pausedMessage.blocks)).toContain('Paused by <@UOPS> at 14:10 UTC: lunch');
  });

  it('ends with the outcome and no controls once aborted before any cluster change', () => {
    const aborted = play(runOf(small), [start, { type: 'abort', actor: 'UOPS' }]);
    const message = renderRunMessage(aborted);
    expect(buttonsOf(message.blocks)).toEqual([]);
    expect(message.blocks.at(-1)).toMatchObject({ block_id: 'outcome' });
    expect(textOf(message.blocks)).toContain('aborted by <@UOPS>');
  });

  it('words a reason stored as data: the person as a mention, their text escaped; an older string as it was', () => {
    const aborted = play(runOf(small), [start, { type: 'abort', actor: 'UOPS', reason: 'ask <!channel>' }]);
    expect(aborted.reason).toEqual({ kind: 'aborted', by: 'UOPS', text: 'ask <!channel>' });
    expect(textOf(renderRunMessage(aborted).blocks)).toContain('aborted by <@UOPS>: ask &lt;!channel&gt;');
    const older = { ...aborted, reason: 'aborted by <@UOLD>: wrong version' };
    expect(textOf(renderRunMessage(older).blocks)).toContain('aborted by <@UOLD>: wrong version');
  });

  it('says why a rollback run was started while it runs: the person asking, or the run it undoes and why that ended', () => {
    const deploy = runOf(small);
    const rollback = (reason: Parameters<typeof createRollbackRun>[0]['reason']) =>
      createRollbackRun({ id: '43', of: deploy, service: 'api', environment: 'production', target: deploy.target, requestedBy: 'U3', channel: 'C1', reason }, T0);
    expect(textOf(renderRunMessage(rollback({ kind: 'rollback-requested', by: 'U3' })).blocks)).toContain('Why: rollback requested by <@U3>');
    const undoes = rollback({ kind: 'undoes', runId: '42', cause: { kind: 'aborted', by: 'UOPS' } });
    expect(textOf(renderRunMessage(undoes).blocks)).toContain('Why: run #42 aborted by <@UOPS>');
  });

  it('names the people whose sign-off expired before the phase completed', () => {
    // Two approvals at 14:02 and 14:03 with a 2h expiry; the phase would complete with the check at 16:30.
    const approved = play(runOf(small), [start, approve('ULEAD'), approve('UANN'), { type: 'tick', itemId: 'ci', actor: 'UBOB', actorRoles: [] }]);
    const reopened = transition(approved, measured, T0 + 150 * MIN).run;
    expect(textOf(renderRunMessage(reopened).blocks)).toContain('approval by <@ULEAD> (14:02 UTC), <@UANN> (14:03 UTC) expired before the phase completed — approve again');
  });

  describe('a 100-item checklist in 20 phases', () => {
    const pending = runOf(hundredItemChecklist(), { start: true, signoffs: true });

    function openPhase(run: Run, index: number, detailLength = 1000): Run {
      // Every earlier phase done with approvals, the phase at `index` active with part of its items done.
      const next = structuredClone(run);
      next.state = 'waiting';
      next.phases.forEach((phase, p) => {
        phase.state = p < index ? 'done' : p === index ? 'active' : 'pending';
        for (const item of phase.items) {
          if (p >= index && !(p === index && item.kind === 'check')) continue;
          item.state = 'done';
          item.by = 'UBOB';
          item.at = T0 + p * MIN;
          if (item.kind === 'signoff') item.approvals = [{ by: 'ULEAD', at: T0 }, { by: 'UANN', at: T0 + MIN }];
          if (item.kind === 'check') item.last = { outcome: 'successful', value: 'x'.repeat(500), message: 'y'.repeat(Math.max(800, detailLength)), at: T0 };
          if (item.kind === 'step') item.detail = 'z'.repeat(detailLength);
        }
      });
      return next;
    }

    it.each([
      ['pending', pending],
      ['first phase open', openPhase(pending, 0)],
      ['half done', openPhase(pending, 10)],
      ['last phase open', openPhase(pending, 19)],
      ['half done with long details', openPhase(pending, 10, 2900)],
      ['last phase open with long details', openPhase(pending, 19, 2900)],
    ])('holds every Block Kit limit when %s', (_label, run) => {
      const message = renderRunMessage(run);
      expectWithinLimits(message.blocks);
    });

    it('shows finished phases in full while they fit', () => {
      const text = textOf(renderRunMessage(openPhase(pending, 10)).blocks);
      expect(text.includes('(0a) — <@UBOB> at 14:00 UTC')).toBe(true);
    });

    it('keeps the open phase unfolded with its buttons, and folds finished phases to a line each when they do not fit', () => {
      const message = renderRunMessage(openPhase(pending, 15, 2900));
      expectWithinLimits(message.blocks);
      const ids = buttonsOf(message.blocks).map((button) => button.action_id);
      expect(ids).toEqual(['item.tick.m-15', 'item.tick.r-15', 'item.approve.s-15', 'run.pause', 'run.abort']);
      const text = textOf(message.blocks);
      expect(text.includes(':white_check_mark: *Phase 0:')).toBe(true);
      expect(text.includes('(0a)')).toBe(false);
      expect(text.includes('(15a)')).toBe(true);
    });

    it('holds the limits when every one of 100 items sits in one open phase', () => {
      const one = runOf({ ...(hundredItemChecklist() as object), phases: [{ id: 'all', title: 'All', items: (hundredItemChecklist() as { phases: { items: unknown[] }[] }).phases.flatMap((phase) => phase.items) }] });
      const open = structuredClone(one);
      open.state = 'waiting';
      open.phases[0]!.state = 'active';
      const message = renderRunMessage(open);
      expectWithinLimits(message.blocks);
      expect(buttonsOf(message.blocks).filter((button) => button.action_id.startsWith('item.'))).toHaveLength(60);
    });
  });
});
