import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startEngineHarness, type EngineHarness } from './engine-harness.js';

describe('check items run their probes through the queue', () => {
  let harness: EngineHarness;

  beforeAll(async () => {
    harness = await startEngineHarness();
  });

  afterAll(async () => {
    await harness?.close();
  });

  it('a k8s-pods check reads the run’s own Deployment after its rollout and shows the measured value', async () => {
    harness.seed('pods-ok', 'reg/pods-ok:v1');
    const run = await harness.deploy('pods-ok', 'v2', [
      { id: 'set', kind: 'step', action: 'set-image' },
      { id: 'wait', kind: 'step', action: 'wait-rollout', timeout: '20s' },
      { id: 'pods', kind: 'check', title: 'Pods ready', probe: { type: 'k8s-pods', minReady: 2 } },
    ]);
    const done = await harness.settle(run.id, ['succeeded', 'failed', 'error']);
    expect(done.state).toBe('succeeded');
    const check = done.phases[0]!.items.find((item) => item.id === 'pods')!;
    expect(check).toMatchObject({ state: 'done', detail: 'k8s pods: 2 of 2 ready' });
  });

  it('a check that keeps failing is retried with its interval and fails the run, saying after how many tries', async () => {
    harness.seed('pods-few', 'reg/pods-few:v1');
    const run = await harness.deploy('pods-few', 'v2', [
      { id: 'pods', kind: 'check', title: 'Enough pods', probe: { type: 'k8s-pods', minReady: 5 }, retries: 2, interval: '50ms', timeout: '2s' },
    ]);
    const done = await harness.settle(run.id, ['succeeded', 'failed', 'error']);
    expect(done.state).toBe('failed');
    expect(done.reason).toBe('check "Enough pods" failed after 3 tries: k8s pods: 2 of 2 ready, fewer than the 5 required');
  });

  it('a probe of a Deployment that does not exist is an error measurement, not a crash', async () => {
    const run = await harness.deploy('ghost', 'v2', [{ id: 'rollout', kind: 'check', title: 'Rolled out', probe: { type: 'rollout-ready' }, retries: 0 }]);
    const done = await harness.settle(run.id, ['succeeded', 'failed', 'error']);
    expect(done.state).toBe('failed');
    expect(done.reason).toMatch(/was error after 1 try: rollout: .*not found/);
  });
});
