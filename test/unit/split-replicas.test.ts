import { describe, expect, it } from 'vitest';
import { describeSplit, splitReplicas } from '../../src/k8s/split-replicas.js';

describe('splitReplicas: pod counts behind one Service for a canary weight', () => {
  it.each([
    // stable replicas, weight, canary, stable, label
    [1, 0, 0, 1, '≈0% (0 of 1 pod)'],
    [1, 1, 1, 1, '≈50% (1 of 2 pods)'],
    [1, 50, 1, 1, '≈50% (1 of 2 pods)'],
    [1, 99, 1, 1, '≈50% (1 of 2 pods)'],
    [1, 100, 1, 0, '≈100% (1 of 1 pod)'],
    [3, 0, 0, 3, '≈0% (0 of 3 pods)'],
    [3, 1, 1, 3, '≈25% (1 of 4 pods)'],
    [3, 25, 1, 3, '≈25% (1 of 4 pods)'],
    [3, 50, 2, 2, '≈50% (2 of 4 pods)'],
    [3, 99, 3, 1, '≈75% (3 of 4 pods)'],
    [3, 100, 3, 0, '≈100% (3 of 3 pods)'],
    [10, 0, 0, 10, '≈0% (0 of 10 pods)'],
    [10, 1, 1, 10, '≈9% (1 of 11 pods)'],
    [10, 5, 1, 10, '≈9% (1 of 11 pods)'],
    [10, 25, 3, 8, '≈27% (3 of 11 pods)'],
    [10, 50, 5, 5, '≈50% (5 of 10 pods)'],
    [10, 99, 10, 1, '≈91% (10 of 11 pods)'],
    [10, 100, 10, 0, '≈100% (10 of 10 pods)'],
    [4, 25, 1, 3, '≈25% (1 of 4 pods)'],
  ])('%i stable replicas at %i%%: canary %i, stable %i, %s', (stableReplicas, weight, canary, stable, label) => {
    const split = splitReplicas(stableReplicas, weight);
    expect(split).toEqual({ canary, stable });
    expect(describeSplit(split)).toBe(label);
  });

  it('never leaves fewer pods than the stable had, nor more than one extra, and keeps both sides between 1% and 99%', () => {
    for (let replicas = 1; replicas <= 40; replicas++) {
      for (let weight = 0; weight <= 100; weight++) {
        const { canary, stable } = splitReplicas(replicas, weight);
        expect(canary + stable, `${replicas} at ${weight}%`).toBeGreaterThanOrEqual(replicas);
        expect(canary + stable, `${replicas} at ${weight}%`).toBeLessThanOrEqual(replicas + 1);
        expect(canary, `${replicas} at ${weight}%`).toBeLessThanOrEqual(replicas);
        if (weight > 0 && weight < 100) expect(Math.min(canary, stable), `${replicas} at ${weight}%`).toBeGreaterThanOrEqual(1);
      }
    }
  });

  it.each([
    [3, -1],
    [3, 101],
    [3, 2.5],
    [0, 50],
    [1.5, 50],
  ])('refuses %d stable replicas at %d%%', (stableReplicas, weight) => {
    expect(() => splitReplicas(stableReplicas, weight)).toThrow(RangeError);
  });
});
