import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { checklistSchema } from '../../src/checklist/checklist-schema.js';
import { createRollbackRun } from '../../src/run/core/create-rollback-run.js';
import { createRun } from '../../src/run/core/create-run.js';
import { runItemSchema, type RunStepItem } from '../../src/run/core/run-item-schema.js';
import { runSchema, type Run } from '../../src/run/core/run-schema.js';
import { parseRun } from '../../src/run/store/parse-run.js';

const T0 = Date.UTC(2026, 11, 1, 9, 0, 0);
const MIN = 60_000;
const target = { cluster: 'prod', namespace: 'shop', deployment: 'api', container: 'api', image: 'registry/api:2.0.0' };

/*
 * Three run documents as flightdeck stored them in Redis before step items became a union per action:
 * made by that version's createRun and createRollbackRun from the shipped checklists, parsed by its run
 * schema, with states set by hand to where workers leave them. A production run mid-canary, a standard
 * run that succeeded, and a rollback run to revision 11.
 */
const STORED: unknown[] = JSON.parse(readFileSync(new URL('../fixtures/runs/stored-runs-v2.json', import.meta.url), 'utf8'));

function stepsOf(run: Run): RunStepItem[] {
  return run.phases.flatMap((phase) => phase.items).filter((item) => item.kind === 'step');
}

describe('run documents stored before the union', () => {
  // Read as the store reads them: migrated forward from the version they were written at.
  const runs = STORED.map((doc) => parseRun(JSON.stringify(doc)));

  it('still parse, and each step carries its action’s fields', () => {
    expect(runs.map((run) => run.id)).toEqual(['41', '40', '42']);
    const common = new Set(['id', 'kind', 'title', 'state', 'by', 'at', 'startedAt', 'detail', 'action']);
    const own = new Map<string, Set<string>>();
    for (const step of runs.flatMap(stepsOf)) {
      const keys = own.get(step.action) ?? new Set<string>();
      for (const key of Object.keys(step)) if (!common.has(key)) keys.add(key);
      own.set(step.action, keys);
    }
    expect(Object.fromEntries([...own].map(([action, keys]) => [action, [...keys].sort()]))).toEqual({
      canary: ['replicas', 'timeoutMs'],
      'smoke-job': ['job', 'timeoutMs'],
      traffic: ['weight'],
      bake: ['durationMs'],
      promote: ['timeoutMs'],
      'set-image': [],
      'wait-rollout': ['timeoutMs'],
      'restore-traffic': [],
      rollback: ['toRevision'],
    });
  });

  it('keep every value of their steps, narrowed by action', () => {
    const steps = runs.flatMap(stepsOf);
    const canary = steps.find((step) => step.action === 'canary');
    const smoke = steps.find((step) => step.action === 'smoke-job');
    const bake = steps.find((step) => step.action === 'bake' && step.state === 'running');
    expect(canary?.action === 'canary' && [canary.replicas, canary.timeoutMs, canary.state, canary.detail]).toEqual([1, 10 * MIN, 'done', 'canary done']);
    expect(smoke?.action === 'smoke-job' && smoke.job).toEqual({
      image: 'registry.example/shop/api:2.4.1',
      command: ['./smoke-test'],
      env: { TARGET_URL: 'http://api-canary.shop.svc.cluster.local' },
    });
    expect(bake?.action === 'bake' && [bake.id, bake.durationMs, bake.startedAt]).toEqual(['bake-5', 5 * MIN, Date.UTC(2026, 11, 1, 9, 13, 0)]);
    expect(steps.filter((step) => step.action === 'traffic').map((step) => step.action === 'traffic' && step.weight)).toEqual([5, 25, 50, 100]);
  });

  it('drop the timeout their rollback step carried, which no executor read, and parse the same again once rewritten', () => {
    const rollback = stepsOf(runs[2]!).find((step) => step.id === 'rollback');
    expect(rollback).toEqual({
      id: 'rollback',
      kind: 'step',
      action: 'rollback',
      title: 'Roll back to revision 11',
      state: 'running',
      startedAt: Date.UTC(2026, 11, 1, 9, 13, 2),
      toRevision: '11',
    });
    for (const run of runs) expect(runSchema.parse(JSON.parse(JSON.stringify(run)))).toEqual(run);
  });
});

describe('a run item per action', () => {
  function stepsFrom(items: object[], traffic?: Run['target']['traffic']): RunStepItem[] {
    const checklist = checklistSchema.parse({ name: 'c', phases: [{ id: 'p', title: 'P', items }] });
    const on = traffic ? { ...target, traffic } : target;
    return stepsOf(createRun({ id: '7', service: 'api', environment: 'production', version: '2.0.0', target: on, requestedBy: 'U1', channel: 'C1', checklist }, T0));
  }
  const pending = { kind: 'step', state: 'pending' };

  it('has exactly the fields its action needs, defaults filled, durations in ms', () => {
    expect(
      stepsFrom([
        { id: 'set', kind: 'step', action: 'set-image' },
        { id: 'wait', kind: 'step', action: 'wait-rollout' },
        { id: 'canary', kind: 'step', action: 'canary' },
        { id: 'shift', kind: 'step', action: 'traffic', weight: 25 },
        { id: 'bake', kind: 'step', action: 'bake', duration: '90s' },
        { id: 'promote', kind: 'step', action: 'promote', timeout: '3m' },
        { id: 'smoke', kind: 'step', action: 'smoke-job', image: 'registry/smoke:1', args: ['--fast'] },
      ]),
    ).toEqual([
      { ...pending, id: 'set', action: 'set-image', title: 'Set image to registry/api:2.0.0' },
      { ...pending, id: 'wait', action: 'wait-rollout', title: 'Wait for rollout', timeoutMs: 10 * MIN },
      { ...pending, id: 'canary', action: 'canary', title: 'Start a canary of registry/api:2.0.0 (1 replica)', replicas: 1, timeoutMs: 10 * MIN },
      { ...pending, id: 'shift', action: 'traffic', title: 'Send 25% of traffic to the canary', weight: 25 },
      { ...pending, id: 'bake', action: 'bake', title: 'Bake for 90s', durationMs: 90_000 },
      { ...pending, id: 'promote', action: 'promote', title: 'Promote the canary to stable', timeoutMs: 3 * MIN },
      { ...pending, id: 'smoke', action: 'smoke-job', title: 'Run smoke job (registry/smoke:1)', job: { image: 'registry/smoke:1', args: ['--fast'] }, timeoutMs: 5 * MIN },
    ]);
  });

  it.each([
    [undefined, 'Start a canary of registry/api:2.0.0 (as many replicas as stable)'],
    [{ route: 'api', stableService: 'api', canaryService: 'api-canary' }, 'Start a canary of registry/api:2.0.0 (as many replicas as stable)'],
    [{ service: 'api' }, 'Start a canary of registry/api:2.0.0 (one pod, then as many as the traffic steps ask)'],
  ])('of a match-stable canary with traffic %j keeps match-stable and says how big it starts', (traffic, title) => {
    expect(stepsFrom([{ id: 'canary', kind: 'step', action: 'canary', replicas: 'match-stable' }], traffic)).toEqual([
      { ...pending, id: 'canary', action: 'canary', title, replicas: 'match-stable', timeoutMs: 10 * MIN },
    ]);
  });

  it('of blue-green: preview and scale-down bounded, scale-down with its delay (30 minutes by default), switch with nothing', () => {
    expect(
      stepsFrom([
        { id: 'preview', kind: 'step', action: 'preview' },
        { id: 'switch', kind: 'step', action: 'switch' },
        { id: 'down', kind: 'step', action: 'scale-down' },
        { id: 'down-soon', kind: 'step', action: 'scale-down', scaleDownDelay: '5m', timeout: '2m' },
      ]),
    ).toEqual([
      { ...pending, id: 'preview', action: 'preview', title: 'Bring up a full-size preview of registry/api:2.0.0', timeoutMs: 10 * MIN },
      { ...pending, id: 'switch', action: 'switch', title: 'Switch all traffic to the preview' },
      { ...pending, id: 'down', action: 'scale-down', title: 'Promote the preview and scale the old version down 30m after the switch', delayMs: 30 * MIN, timeoutMs: 10 * MIN },
      { ...pending, id: 'down-soon', action: 'scale-down', title: 'Promote the preview and scale the old version down 5m after the switch', delayMs: 5 * MIN, timeoutMs: 2 * MIN },
    ]);
  });

  it('of a rollback run: restore-traffic and rollback without a timeout, wait-rollout with one', () => {
    const checklist = checklistSchema.parse({ name: 'c', phases: [{ id: 'p', title: 'P', items: [{ id: 'canary', kind: 'step', action: 'canary' }] }] });
    const canaryRun = createRun({ id: '5', service: 'api', environment: 'production', version: '2.0.0', target, requestedBy: 'U1', channel: 'C1', checklist }, T0);
    canaryRun.phases[0]!.items[0]!.state = 'done';
    const rollback = createRollbackRun({ id: '6', of: canaryRun, service: 'api', environment: 'production', target, requestedBy: 'U9', channel: 'C1', reason: 'bad', toRevision: '4' }, T0);
    expect(stepsOf(rollback)).toEqual([
      { ...pending, id: 'restore-traffic', action: 'restore-traffic', title: 'Return all traffic to stable and scale the canary down' },
      { ...pending, id: 'rollback', action: 'rollback', title: 'Roll back to revision 4', toRevision: '4' },
      { ...pending, id: 'wait-rollout', action: 'wait-rollout', title: 'Wait for the rollback to roll out', timeoutMs: 10 * MIN },
    ]);
  });

  const missing: [action: string, without: string, item: Record<string, unknown>][] = [
    ['wait-rollout', 'timeoutMs', {}],
    ['canary', 'replicas', { timeoutMs: MIN }],
    ['canary', 'timeoutMs', { replicas: 1 }],
    ['traffic', 'weight', {}],
    ['bake', 'durationMs', {}],
    ['promote', 'timeoutMs', {}],
    ['smoke-job', 'job', { timeoutMs: MIN }],
    ['smoke-job', 'timeoutMs', { job: { image: 'registry/smoke:1' } }],
    ['preview', 'timeoutMs', {}],
    ['scale-down', 'delayMs', { timeoutMs: MIN }],
    ['scale-down', 'timeoutMs', { delayMs: MIN }],
  ];

  it.each(missing)('is refused when stored as %s without %s', (action, without, fields) => {
    const result = runItemSchema.safeParse({ id: 's', kind: 'step', title: 'S', state: 'pending', action, ...fields });
    expect(result.success).toBe(false);
    // A canary's replicas is a number or match-stable, so its absence matches neither form.
    const code = action === 'canary' && without === 'replicas' ? 'invalid_union' : 'invalid_type';
    expect(result.error?.issues.map((issue) => [issue.path.join('.'), issue.code])).toEqual([[without, code]]);
  });

  it('is refused when its action is unknown', () => {
    const result = runItemSchema.safeParse({ id: 's', kind: 'step', title: 'S', state: 'pending', action: 'restart' });
    expect(result.error?.issues.map((issue) => [issue.path.join('.'), issue.code])).toEqual([['action', 'invalid_union']]);
  });
});
