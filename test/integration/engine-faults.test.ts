import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { waitUntil } from '../support/wait-until.js';
import { imageOf, NS, startEngineHarness, type EngineHarness } from './engine-harness.js';

let h: EngineHarness;
beforeAll(async () => {
  h = await startEngineHarness();
});
afterAll(async () => {
  await h?.close();
});

const ROLLOUT = [
  { id: 'set-image', kind: 'step', action: 'set-image' },
  { id: 'wait', kind: 'step', action: 'wait-rollout', timeout: '30s' },
];

const imagePatches = (name: string) => h.emu.requests.filter((r) => r.method === 'PATCH' && r.path === `/apis/apps/v1/namespaces/${NS}/deployments/${name}`);

describe('the engine under API server faults', () => {
  it('a 409 on the image patch re-reads and retries; the run succeeds with one revision', async () => {
    h.seed('cart', 'reg/cart:1.0.0');
    h.emu.failNext(1, 409, { method: 'PATCH', pathIncludes: '/deployments/cart' });
    const run = await h.deploy('cart', '2.0.0', ROLLOUT);
    expect((await h.settle(run.id, ['succeeded', 'failed', 'error'])).state).toBe('succeeded');
    expect(imagePatches('cart')).toHaveLength(2);
    expect(imageOf(h.emu, 'cart')).toBe('reg/cart:2.0.0');
    expect(h.emu.getDeployment(NS, 'cart').metadata.annotations['deployment.kubernetes.io/revision']).toBe('2');
  });

  it('5xx answers back off and retry', async () => {
    h.seed('pay', 'reg/pay:1.0.0');
    h.emu.failNext(2, 500, { method: 'GET', pathIncludes: '/deployments/pay' });
    const run = await h.deploy('pay', '2.0.0', ROLLOUT);
    const done = await h.settle(run.id, ['succeeded', 'failed', 'error']);
    expect(done.state).toBe('succeeded');
    expect(done.rollbackTarget?.image).toBe('reg/pay:1.0.0');
    expect(imagePatches('pay')).toHaveLength(1);
  });

  it('a request that hangs past the request timeout backs off and retries like a 5xx; the run makes one image patch', async () => {
    const quick = await startEngineHarness({ requestTimeoutMs: 500 });
    try {
      quick.seed('cart', 'reg/cart:1.0.0');
      quick.emu.hangNext(1, { method: 'GET', pathIncludes: '/deployments/cart' });
      quick.emu.hangNext(1, { method: 'PATCH', pathIncludes: '/deployments/cart' });
      const run = await quick.deploy('cart', '2.0.0', ROLLOUT);
      const done = await quick.settle(run.id, ['succeeded', 'failed', 'error']);
      expect(done.state).toBe('succeeded');
      expect(done.rollbackTarget?.image).toBe('reg/cart:1.0.0');
      const patches = quick.emu.requests.filter((r) => r.method === 'PATCH' && r.path === `/apis/apps/v1/namespaces/${NS}/deployments/cart`);
      // The hung one, never applied, and the effective one.
      expect(patches).toHaveLength(2);
      expect(quick.emu.getDeployment(NS, 'cart').metadata.annotations['deployment.kubernetes.io/revision']).toBe('2');
    } finally {
      await quick.close();
    }
  });

  it('a 403 ends the run in error naming the verb and the resource, and changes nothing', async () => {
    // Denials last for an emulator's lifetime, so this test has one of its own and leaves the shared one alone.
    const denied = await startEngineHarness();
    try {
      denied.seed('auth', 'reg/auth:1.0.0');
      denied.emu.forbid({ verb: 'patch', resource: 'deployments', namespace: NS });
      const run = await denied.deploy('auth', '2.0.0', ROLLOUT);
      const done = await denied.settle(run.id, ['succeeded', 'failed', 'error', 'rolled-back', 'rollback-failed']);
      expect(done.state).toBe('error');
      expect(done.reason).toContain(`Not allowed to patch deployment ${NS}/auth`);
      expect(done.reason).toContain(`Missing permission: patch deployments.apps in namespace ${NS}`);
      expect(done.reason).toContain(`kubectl auth can-i patch deployments.apps -n ${NS} --as `);
      expect(imageOf(denied.emu, 'auth')).toBe('reg/auth:1.0.0');
      // One try only: a refusal is not retried.
      const patches = denied.emu.requests.filter((r) => r.method === 'PATCH' && r.path === `/apis/apps/v1/namespaces/${NS}/deployments/auth`);
      expect(patches).toHaveLength(1);
    } finally {
      await denied.close();
    }
  });

  it('a dropped watch and a 410 Expired during wait-rollout resume without missing the end', async () => {
    const slow = await startEngineHarness({ readyDelayMs: 2500 });
    try {
      slow.seed('feed', 'reg/feed:1.0.0');
      const run = await slow.deploy('feed', '2.0.0', ROLLOUT);
      await waitUntil('the rollout wait to watch', async () => {
        const current = await slow.store.get(run.id);
        const watching = slow.emu.requests.some((r) => r.path.endsWith('/deployments') && r.query.watch !== undefined);
        return current?.phases[0]!.items[1]!.state === 'running' && watching ? true : undefined;
      });
      slow.emu.compactHistory();
      slow.emu.dropWatches();
      const done = await slow.settle(run.id, ['succeeded', 'failed', 'error']);
      expect(done.state).toBe('succeeded');
      expect(done.phases[0]!.items[1]!.detail).toContain('successfully rolled out');
      const watches = slow.emu.requests.filter((r) => r.path.endsWith('/deployments') && r.query.watch !== undefined);
      expect(watches.length).toBeGreaterThan(1);
    } finally {
      await slow.close();
    }
  });
});
