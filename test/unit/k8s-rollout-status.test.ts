import type { V1Deployment } from '@kubernetes/client-node';
import { describe, expect, it } from 'vitest';
import { rolloutStatus } from '../../src/k8s/rollout-status.js';

function deployment(opts: {
  generation?: number;
  replicas?: number;
  status?: Record<string, unknown>;
  progressingReason?: string;
}): V1Deployment {
  const conditions = opts.progressingReason
    ? [{ type: 'Progressing', status: opts.progressingReason === 'ProgressDeadlineExceeded' ? 'False' : 'True', reason: opts.progressingReason }]
    : undefined;
  return {
    metadata: { name: 'web', generation: opts.generation ?? 2 },
    spec: { replicas: opts.replicas, selector: {}, template: {} },
    status: { ...opts.status, ...(conditions ? { conditions } : {}) },
  } as V1Deployment;
}

// Expected strings are kubectl's (pkg/polymorphichelpers/rollout_status.go) without the trailing newline.
const cases: Array<[string, V1Deployment, { done: boolean; failed: boolean; message: string }]> = [
  [
    'spec change not yet observed',
    deployment({ generation: 3, replicas: 3, status: { observedGeneration: 2, replicas: 3, updatedReplicas: 3, availableReplicas: 3 } }),
    { done: false, failed: false, message: 'Waiting for deployment spec update to be observed...' },
  ],
  [
    'observed but no new replicas yet (zero counters omitted by the server)',
    deployment({ replicas: 3, status: { observedGeneration: 2, replicas: 3 } }),
    { done: false, failed: false, message: 'Waiting for deployment "web" rollout to finish: 0 out of 3 new replicas have been updated...' },
  ],
  [
    'some replicas updated',
    deployment({ replicas: 3, status: { observedGeneration: 2, replicas: 4, updatedReplicas: 1, availableReplicas: 3 } }),
    { done: false, failed: false, message: 'Waiting for deployment "web" rollout to finish: 1 out of 3 new replicas have been updated...' },
  ],
  [
    'old replicas pending termination',
    deployment({ replicas: 3, status: { observedGeneration: 2, replicas: 4, updatedReplicas: 3, availableReplicas: 3 } }),
    { done: false, failed: false, message: 'Waiting for deployment "web" rollout to finish: 1 old replicas are pending termination...' },
  ],
  [
    'updated replicas not all available',
    deployment({ replicas: 3, status: { observedGeneration: 2, replicas: 3, updatedReplicas: 3, availableReplicas: 2 } }),
    { done: false, failed: false, message: 'Waiting for deployment "web" rollout to finish: 2 of 3 updated replicas are available...' },
  ],
  [
    'complete',
    deployment({ replicas: 3, progressingReason: 'NewReplicaSetAvailable', status: { observedGeneration: 2, replicas: 3, updatedReplicas: 3, availableReplicas: 3 } }),
    { done: true, failed: false, message: 'deployment "web" successfully rolled out' },
  ],
  [
    'observedGeneration ahead of generation counts as observed',
    deployment({ generation: 1, replicas: 1, status: { observedGeneration: 2, replicas: 1, updatedReplicas: 1, availableReplicas: 1 } }),
    { done: true, failed: false, message: 'deployment "web" successfully rolled out' },
  ],
  [
    'progress deadline exceeded wins over replica counts',
    deployment({ replicas: 3, progressingReason: 'ProgressDeadlineExceeded', status: { observedGeneration: 2, replicas: 4, updatedReplicas: 1, availableReplicas: 3 } }),
    { done: false, failed: true, message: 'deployment "web" exceeded its progress deadline' },
  ],
  [
    'progress deadline is ignored until the spec change is observed',
    deployment({ generation: 3, replicas: 3, progressingReason: 'ProgressDeadlineExceeded', status: { observedGeneration: 2 } }),
    { done: false, failed: false, message: 'Waiting for deployment spec update to be observed...' },
  ],
  [
    'scaled to zero',
    deployment({ replicas: 0, status: { observedGeneration: 2 } }),
    { done: true, failed: false, message: 'deployment "web" successfully rolled out' },
  ],
  [
    'spec.replicas unset skips the updated-replicas check',
    deployment({ status: { observedGeneration: 2, replicas: 2, updatedReplicas: 2, availableReplicas: 2 } }),
    { done: true, failed: false, message: 'deployment "web" successfully rolled out' },
  ],
];

describe('rolloutStatus (kubectl DeploymentStatusViewer)', () => {
  it.each(cases)('%s', (_name, d, expected) => {
    expect(rolloutStatus(d)).toEqual(expected);
  });
});
