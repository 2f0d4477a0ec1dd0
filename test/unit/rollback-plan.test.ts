import { describe, expect, it } from 'vitest';
import { checklistSchema } from '../../src/checklist/checklist-schema.js';
import { createRollbackRun } from '../../src/run/core/create-rollback-run.js';
import { createRun } from '../../src/run/core/create-run.js';
import type { Run } from '../../src/run/core/run-schema.js';
import { transition, type RunEvent } from '../../src/run/core/transition.js';
import { rollbackPlanItems } from '../../src/use-cases/rollback-plan-items.js';

const T0 = Date.UTC(2026, 11, 5, 14, 0, 0);
const target = { cluster: 'prod', namespace: 'shop', deployment: 'api', container: 'api', image: 'registry/api:2.0.0' };

const checklist = checklistSchema.parse({
  name: 'with-plan',
  roles: { dba: 'Database administrators' },
  phases: [{ id: 'rollout', title: 'Rollout', items: [{ id: 'set-image', kind: 'step', action: 'set-image' }] }],
  rollbackPlan: [
    { id: 'restore-db', kind: 'manual', title: 'Restore {{service}} database from the backup of run {{run}} if the migration ran', role: 'dba' },
    { id: 'rollback', kind: 'manual', title: 'Tell #{{env}} that {{version}} was rolled back' },
    { id: 'health', kind: 'check', title: 'Health after rollback', probe: { type: 'http', url: 'https://api.example.com/health' } },
  ],
});

function failedDeploy(): Run {
  const run = createRun({ id: '5', service: 'api', environment: 'production', version: '2.0.0', target, requestedBy: 'U1', channel: 'C1', checklist }, T0);
  return [
    { type: 'start', actor: 'U1' },
    { type: 'step-failed', itemId: 'set-image', reason: 'image pull', outcome: 'failed' },
  ].reduce((current, event) => transition(current, event as RunEvent, T0 + 1000).run, run);
}

describe("a checklist's rollback plan", () => {
  it('is refused by the schema when it reuses an id or names an undeclared role', () => {
    const bad = checklistSchema.safeParse({
      name: 'bad',
      phases: [{ id: 'p', title: 'P', items: [{ id: 'notify', kind: 'manual', title: 'x' }] }],
      rollbackPlan: [{ id: 'notify', kind: 'manual', title: 'Notify', role: 'nobody' }],
    });
    expect(bad.success).toBe(false);
    expect(bad.error?.issues.map((issue) => [issue.path.join('.'), issue.message])).toEqual([
      ['rollbackPlan.0.id', 'duplicate id "notify" (already used by an item in phase "p"; ids must be unique across the checklist)'],
      ['rollbackPlan.0.role', 'role "nobody" is not declared under roles (declared: none)'],
    ]);
  });

  it("becomes the rollback run's follow-up phase, templates filled from the undone run, ids clear of the rollback's steps", () => {
    const undone = failedDeploy();
    const plan = rollbackPlanItems(new Map([[checklist.name, checklist]]), undone);
    const rollback = createRollbackRun({ id: '6', of: undone, service: 'api', environment: 'production', target, requestedBy: 'U9', channel: 'C1', reason: { kind: 'rollback-requested', by: 'U9' }, plan }, T0 + 2000);
    expect(rollback.phases.map((phase) => [phase.id, phase.title, phase.afterMs])).toEqual([
      ['rollback', 'Roll back', undefined],
      ['rollback-plan', 'After the rollback', 0],
    ]);
    expect(rollback.phases[1]?.items.map((item) => [item.id, item.kind, item.title])).toEqual([
      ['restore-db', 'manual', 'Restore api database from the backup of run 5 if the migration ran'],
      ['plan-rollback', 'manual', 'Tell #production that 2.0.0 was rolled back'],
      ['health', 'check', 'Health after rollback'],
    ]);
    expect(rollback.phases[1]?.items[0]).toMatchObject({ role: 'dba', requesterMayTick: false });
  });

  it('never holds up the rollback: it succeeds once its steps are done and schedules the plan at once', () => {
    const undone = failedDeploy();
    const plan = rollbackPlanItems(new Map([[checklist.name, checklist]]), undone);
    const pending = createRollbackRun({ id: '6', of: undone, service: 'api', environment: 'production', target, requestedBy: 'U9', channel: 'C1', reason: { kind: 'rollback-requested', by: 'U9' }, plan }, T0);
    let run = transition(pending, { type: 'start', actor: 'U9' }, T0).run;
    run = transition(run, { type: 'step-succeeded', itemId: 'rollback', detail: 'restored' }, T0 + 1000).run;
    const done = transition(run, { type: 'step-succeeded', itemId: 'wait-rollout', detail: 'rolled out' }, T0 + 2000);
    expect(done.run.state).toBe('succeeded');
    expect(done.effects).toContainEqual({ type: 'schedule-phase', phaseId: 'rollback-plan', at: T0 + 2000 });
    expect(done.run.phases[1]).toMatchObject({ state: 'pending', dueAt: T0 + 2000 });
  });

  it('is empty when the undone run is unknown or its checklist has none or is gone', () => {
    const undone = failedDeploy();
    expect(rollbackPlanItems(new Map([[checklist.name, checklist]]), null)).toEqual([]);
    expect(rollbackPlanItems(new Map(), undone)).toEqual([]);
    expect(rollbackPlanItems(undefined, undone)).toEqual([]);
    const bare = createRollbackRun({ id: '6', of: undone, service: 'api', environment: 'production', target, requestedBy: 'U9', channel: 'C1', reason: { kind: 'rollback-requested', by: 'U9' }, plan: [] }, T0);
    expect(bare.phases.map((phase) => phase.id)).toEqual(['rollback']);
  });
});
