import { describe, expect, it } from 'vitest';
import { diffFields } from '../../src/k8s/diff-fields.js';

const deployment = (image: string, annotations: Record<string, string> = {}, replicas = 3) => ({
  metadata: { name: 'api', annotations, resourceVersion: '7', generation: 2 },
  spec: { replicas, template: { spec: { containers: [{ name: 'api', image }, { name: 'proxy', image: 'envoy:1' }] } } },
});

describe('diffFields', () => {
  it.each([
    ['an image and a change-cause', deployment('api:1'), deployment('api:2', { 'kubernetes.io/change-cause': 'run #4' }), [
      { field: 'image of container api', from: 'api:1', to: 'api:2' },
      { field: 'annotation kubernetes.io/change-cause', to: 'run #4' },
    ]],
    ['replicas only', deployment('api:1'), deployment('api:1', {}, 1), [{ field: 'replicas', from: '3', to: '1' }]],
    ['nothing (resourceVersion and generation are not changes)', deployment('api:1'), { ...deployment('api:1'), metadata: { name: 'api', annotations: {}, resourceVersion: '9', generation: 3 } }, []],
    ['a Deployment created', undefined, deployment('api:2'), [
      { field: 'image of container api', to: 'api:2' },
      { field: 'image of container proxy', to: 'envoy:1' },
      { field: 'replicas', to: '3' },
    ]],
  ])('Deployment: %s', (_name, before, after, expected) => {
    expect(diffFields('Deployment', before, after)).toEqual(expected);
  });

  it('HTTPRoute: each backend weight per rule, a backend added shown without a from', () => {
    const route = (refs: object[]) => ({ spec: { rules: [{ backendRefs: refs }] } });
    expect(diffFields('HTTPRoute', route([{ name: 'api', weight: 100 }]), route([{ name: 'api', weight: 90 }, { name: 'api-canary', weight: 10 }]))).toEqual([
      { field: 'weight of backend api (rule 1)', from: '100', to: '90' },
      { field: 'weight of backend api-canary (rule 1)', to: '10' },
    ]);
  });
});
