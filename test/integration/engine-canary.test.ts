import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { waitUntil } from '../support/wait-until.js';
import { imageOf, NS, startEngineHarness, weightsOf, type EngineHarness } from './engine-harness.js';

let h: EngineHarness;
beforeAll(async () => {
  h = await startEngineHarness();
});
afterAll(async () => {
  await h?.close();
});

const routePatches = (route: string) =>
  h.emu.requests
    .filter((r) => r.method === 'PATCH' && r.path.endsWith(`/httproutes/${route}`))
    .map((r) => (r.body as { spec: { rules: Array<{ backendRefs: Array<{ name: string; weight: number }> }> } }).spec.rules[0]!.backendRefs.map((b) => b.weight).join('/'));

describe('canary runs on the engine', () => {
  it('goes 5 → 25 → 50 → 100 with bakes, promotes, and returns all traffic to stable', async () => {
    h.seed('web', 'reg/web:1.0.0', { route: true });
    const run = await h.deploy('web', '2.0.0', [
      { id: 'canary', kind: 'step', action: 'canary', replicas: 1, timeout: '30s' },
      { id: 't5', kind: 'step', action: 'traffic', weight: 5 },
      { id: 'bake1', kind: 'step', action: 'bake', duration: '1s' },
      { id: 't25', kind: 'step', action: 'traffic', weight: 25 },
      { id: 'bake2', kind: 'step', action: 'bake', duration: '1s' },
      { id: 't50', kind: 'step', action: 'traffic', weight: 50 },
      { id: 't100', kind: 'step', action: 'traffic', weight: 100 },
      { id: 'promote', kind: 'step', action: 'promote', timeout: '30s' },
    ]);
    const done = await h.settle(run.id, ['succeeded', 'failed', 'error']);
    expect(done.state, JSON.stringify(done.phases)).toBe('succeeded');
    expect(routePatches('web')).toEqual(['95/5', '75/25', '50/50', '0/100', '100/0']);
    expect(weightsOf(h.emu, 'web')).toEqual(['web=100', 'web-canary=0']);
    expect(imageOf(h.emu, 'web')).toBe('reg/web:2.0.0');
    expect(h.emu.getDeployment(NS, 'web-canary').spec.replicas).toBe(0);
    expect(done.rollbackTarget).toMatchObject({ image: 'reg/web:1.0.0', revision: '1' });
    const bake = done.phases[0]!.items.find((item) => item.id === 'bake1')!;
    expect(bake.detail).toBe('baked for 1s');
    expect(bake.at! - bake.startedAt!).toBeGreaterThanOrEqual(1000);
  });

  it('an abort mid-bake fails the run, and its rollback returns all traffic to stable first', async () => {
    h.seed('shopfront', 'reg/shopfront:1.0.0', { route: true });
    const run = await h.deploy('shopfront', '2.0.0', [
      { id: 'canary', kind: 'step', action: 'canary', replicas: 1, timeout: '30s' },
      { id: 't25', kind: 'step', action: 'traffic', weight: 25 },
      { id: 'bake', kind: 'step', action: 'bake', duration: '10m' },
      { id: 'promote', kind: 'step', action: 'promote' },
    ]);
    await waitUntil('the bake to start', async () => {
      const current = await h.store.get(run.id);
      return current?.phases[0]!.items.find((item) => item.id === 'bake')?.state === 'running' ? true : undefined;
    });
    expect(weightsOf(h.emu, 'shopfront')).toEqual(['shopfront=75', 'shopfront-canary=25']);
    const stableGeneration = h.emu.getDeployment(NS, 'shopfront').metadata.generation;
    await h.engine.apply(run.id, { type: 'abort', actor: 'U0BOB', reason: 'error rate' });

    const undone = await h.settle(run.id, ['rolled-back', 'rollback-failed']);
    expect(undone.state).toBe('rolled-back');
    const rollback = (await h.store.get(undone.rollbackRunId!))!;
    expect(rollback).toMatchObject({ kind: 'rollback', rollbackOf: run.id, state: 'succeeded' });
    expect(rollback.phases[0]!.items.map((item) => `${item.id}:${item.state}`)).toEqual(['restore-traffic:done', 'rollback:done', 'wait-rollout:done']);
    expect(weightsOf(h.emu, 'shopfront')).toEqual(['shopfront=100', 'shopfront-canary=0']);
    expect(h.emu.getDeployment(NS, 'shopfront-canary').spec.replicas).toBe(0);
    // The stable Deployment never changed, so restoring its pinned template sends nothing.
    expect(imageOf(h.emu, 'shopfront')).toBe('reg/shopfront:1.0.0');
    expect(h.emu.getDeployment(NS, 'shopfront').metadata.generation).toBe(stableGeneration);
    const audit = (await h.store.audit(run.id)).map((entry) => entry.action);
    expect(audit).toEqual(expect.arrayContaining(['run.failed', 'rollback.started', 'run.rolled-back']));
  });
});
