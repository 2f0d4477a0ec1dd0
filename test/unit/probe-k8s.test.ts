import { describe, expect, it } from 'vitest';
import { k8sPodsProbe } from '../../src/probes/k8s-pods-probe.js';
import type { PodSummary, ProbeContext, TargetStatusReader } from '../../src/probes/probe-provider.js';
import { k8sPodsProbeSchema } from '../../src/probes/probe-types.js';
import { rolloutReadyProbe } from '../../src/probes/rollout-ready-probe.js';
import type { RolloutStatus } from '../../src/k8s/rollout-status.js';

function target(pods: readonly PodSummary[] | Error, rollout: RolloutStatus | Error = { done: true, failed: false, message: 'ok' }): TargetStatusReader {
  return {
    readPods: async () => {
      if (pods instanceof Error) throw pods;
      return pods;
    },
    readRollout: async () => {
      if (rollout instanceof Error) throw rollout;
      return rollout;
    },
  };
}

const ctx = (t?: TargetStatusReader): ProbeContext => ({ signal: new AbortController().signal, timeoutMs: 1000, now: () => 42, ...(t ? { target: t } : {}) });
const pod = (name: string, ready: boolean, restarts = 0): PodSummary => ({ name, ready, restarts });
const three = [pod('web-a', true), pod('web-b', true, 4), pod('web-c', false)];

describe('k8s-pods probe', () => {
  it.each([
    ['enough ready pods', {}, three, 'successful', 'k8s pods: 2 of 3 ready'],
    ['too few ready pods', { minReady: 3 }, three, 'failed', 'k8s pods: 2 of 3 ready, fewer than the 3 required'],
    ['restarts within the limit', { maxRestarts: 4 }, three, 'successful', 'k8s pods: 2 of 3 ready'],
    ['too many restarts', { maxRestarts: 3 }, three, 'failed', 'k8s pods: 2 of 3 ready; restarted more than 3 times: web-b (4)'],
    ['no pods at all', {}, [], 'failed', 'k8s pods: 0 of 0 ready, fewer than the 1 required'],
  ] as const)('%s', async (_name, input, pods, outcome, message) => {
    const m = await k8sPodsProbe.measure(k8sPodsProbeSchema.parse({ type: 'k8s-pods', ...input }), ctx(target(pods)));
    expect(m).toEqual({ outcome, value: pods.filter((p) => p.ready).length, message, at: 42 });
  });

  it('is an error without a target or when reading fails', async () => {
    const spec = k8sPodsProbeSchema.parse({ type: 'k8s-pods' });
    expect(await k8sPodsProbe.measure(spec, ctx())).toMatchObject({ outcome: 'error', message: 'k8s pods: this run has no target Deployment to read' });
    expect(await k8sPodsProbe.measure(spec, ctx(target(new Error('pods is forbidden'))))).toMatchObject({ outcome: 'error', message: 'k8s pods: pods is forbidden' });
  });
});

describe('rollout-ready probe', () => {
  it.each([
    [{ done: true, failed: false, message: 'deployment "web" successfully rolled out' }, 'successful'],
    [{ done: false, failed: false, message: 'Waiting for deployment "web" rollout to finish: 1 out of 3 new replicas have been updated...' }, 'failed'],
    [{ done: false, failed: true, message: 'deployment "web" exceeded its progress deadline' }, 'failed'],
  ] as const)('%o → %s', async (status, outcome) => {
    const m = await rolloutReadyProbe.measure({ type: 'rollout-ready' }, ctx(target([], status)));
    expect(m).toEqual({ outcome, message: `rollout: ${status.message}`, at: 42 });
  });

  it('is an error when the rollout cannot be read', async () => {
    const m = await rolloutReadyProbe.measure({ type: 'rollout-ready' }, ctx(target([], new Error('the API server is unavailable'))));
    expect(m).toMatchObject({ outcome: 'error', message: 'rollout: the API server is unavailable' });
  });
});
