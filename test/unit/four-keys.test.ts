import { describe, expect, it } from 'vitest';
import { computeFourKeys, fourKeysRunOf, type FourKeysRun } from '../../src/run/core/four-keys.js';
import { fourKeysRunOfSummary, runSummarySchema, summarizeRun } from '../../src/run/store/run-summary.js';
import { newRun } from './run-item-fixture.js';

const DAY = 86_400_000;
const MIN = 60_000;
const HOUR = 60 * MIN;
const FROM = Date.UTC(2026, 10, 1);
const RANGE = { from: FROM, to: FROM + 7 * DAY };
const PINNED = { revision: '1', image: 'r/api:v0', template: {}, recordedAt: FROM };

/** A deploy that changed the cluster and succeeded, created `day` days and `min` minutes into the range. */
function deploy(id: string, day: number, overrides: Partial<FourKeysRun> = {}): FourKeysRun {
  const createdAt = FROM + day * DAY;
  return { id, kind: 'deploy', state: 'succeeded', createdAt, endedAt: createdAt + 10 * MIN, changedCluster: true, ...overrides };
}

function rollback(id: string, createdAt: number, endedAt: number, state: FourKeysRun['state'] = 'succeeded'): FourKeysRun {
  return { id, kind: 'rollback', state, createdAt, endedAt, changedCluster: true };
}

describe('computeFourKeys', () => {
  it('has nothing to measure without runs', () => {
    expect(computeFourKeys([], RANGE)).toEqual({
      deployments: 0,
      perDay: 0,
      daily: [0, 0, 0, 0, 0, 0, 0],
      dailyFailures: [0, 0, 0, 0, 0, 0, 0],
      failures: 0,
      changeFailureRate: undefined,
      timeToRestoreMs: undefined,
      restored: 0,
      leadTimeMs: undefined,
    });
  });

  it('counts deployments per day, failures over deployments, and the median time to restore', () => {
    const breachAt = FROM + 2 * DAY + 5 * MIN;
    const runs = [
      deploy('1', 0),
      deploy('2', 0.5),
      // Breached 5 min in; its rollback run ended 12 min after the breach.
      deploy('3', 2, { state: 'rolled-back', rollbackRunId: '4', firstBreachAt: breachAt }),
      rollback('4', breachAt + MIN, breachAt + 12 * MIN),
      // Failed at its end with nothing rolled back: restored by the next successful deployment (a fix forward).
      deploy('5', 4, { state: 'failed' }),
      deploy('6', 5),
    ];
    const keys = computeFourKeys(runs, RANGE);
    expect(keys.deployments).toBe(5);
    expect(keys.perDay).toBeCloseTo(5 / 7);
    expect(keys.daily).toEqual([2, 0, 1, 0, 1, 1, 0]);
    expect(keys.dailyFailures).toEqual([0, 0, 1, 0, 1, 0, 0]);
    expect(keys.failures).toBe(2);
    expect(keys.changeFailureRate).toBeCloseTo(0.4);
    // 12 min (rollback) and 1 day (failed at day 4 + 10 min, fixed by run 6 ending day 5 + 10 min): the median of two.
    expect(keys.restored).toBe(2);
    expect(keys.timeToRestoreMs).toBe((12 * MIN + DAY) / 2);
    expect(keys.leadTimeMs).toBeUndefined();
  });

  it('leaves out runs still in flight, runs outside the range and deploys that never changed the cluster', () => {
    const runs = [
      deploy('1', 1, { state: 'running', endedAt: undefined }),
      deploy('2', 1, { state: 'waiting', endedAt: undefined }),
      deploy('3', -1),
      deploy('4', 7),
      // Refused by its first check: failed, but nothing in the cluster changed.
      deploy('5', 2, { state: 'failed', changedCluster: false }),
      deploy('6', 3),
    ];
    const keys = computeFourKeys(runs, RANGE);
    expect(keys.deployments).toBe(1);
    expect(keys.failures).toBe(0);
    expect(keys.changeFailureRate).toBe(0);
    expect(keys.daily).toEqual([0, 0, 0, 1, 0, 0, 0]);
  });

  it('with only rollback runs there are no deployments and nothing to restore', () => {
    const keys = computeFourKeys([rollback('1', FROM + DAY, FROM + DAY + MIN), rollback('2', FROM + 2 * DAY, FROM + 2 * DAY + MIN, 'failed')], RANGE);
    expect(keys).toMatchObject({ deployments: 0, failures: 0, changeFailureRate: undefined, timeToRestoreMs: undefined, restored: 0 });
  });

  it('counts a deploy that a later rollback run undid as a failure, restored only when that rollback succeeded', () => {
    const first = deploy('1', 1, { rollbackRunId: '2' });
    const failedRollback = rollback('2', FROM + 1 * DAY + 30 * MIN, FROM + 1 * DAY + 40 * MIN, 'rollback-failed');
    const keys = computeFourKeys([first, failedRollback], RANGE);
    expect(keys).toMatchObject({ deployments: 1, failures: 1, changeFailureRate: 1, restored: 0, timeToRestoreMs: undefined });

    const restored = computeFourKeys([first, rollback('2', FROM + DAY + 30 * MIN, FROM + DAY + 40 * MIN)], RANGE);
    // From the rollback being requested (no breach) to its end.
    expect(restored).toMatchObject({ restored: 1, timeToRestoreMs: 10 * MIN });
  });

  it('measures lead time only over deploys that carry their commit time', () => {
    const runs = [deploy('1', 1, { commitAt: FROM + DAY - 50 * MIN }), deploy('2', 2), deploy('3', 3, { commitAt: FROM + 3 * DAY - 110 * MIN })];
    // Ends 10 min after creation: 60 min and 120 min from commit.
    expect(computeFourKeys(runs, RANGE).leadTimeMs).toBe(90 * MIN);
  });
});

describe('fourKeysRunOf', () => {
  const run = newRun();

  it('says a run changed the cluster once it recorded what it replaced, started its guards or was rolled back', () => {
    expect(fourKeysRunOf(run).changedCluster).toBe(false);
    expect(fourKeysRunOf({ ...run, rollbackTarget: PINNED }).changedCluster).toBe(true);
    expect(fourKeysRunOf({ ...run, guardsStartedAt: FROM + MIN }).changedCluster).toBe(true);
    expect(fourKeysRunOf({ ...run, rollbackRunId: '8' })).toMatchObject({ changedCluster: true, rollbackRunId: '8' });
  });

  it('keeps the first breach and the commit time', () => {
    const breach = (at: number) => ({ guardId: 'err', action: 'rollback' as const, detail: '', at });
    const facts = fourKeysRunOf({ ...run, breaches: [breach(FROM + 9 * MIN), breach(FROM + 4 * MIN)], commit: { sha: 'abc1234', at: FROM - DAY } });
    expect(facts).toMatchObject({ firstBreachAt: FROM + 4 * MIN, commitAt: FROM - DAY });
    expect(fourKeysRunOf(run)).toMatchObject({ firstBreachAt: undefined, commitAt: undefined });
  });

  it('reads the same facts back from a run\'s history summary, and none from a summary an older release wrote', () => {
    const ended = { ...run, state: 'rolled-back' as const, endedAt: FROM + HOUR, rollbackTarget: PINNED, rollbackRunId: '8', breaches: [{ guardId: 'err', action: 'rollback' as const, detail: '', at: FROM + MIN }], commit: { at: FROM - DAY } };
    const stored = runSummarySchema.parse(JSON.parse(JSON.stringify(summarizeRun(ended))));
    expect(fourKeysRunOfSummary(stored)).toEqual(JSON.parse(JSON.stringify(fourKeysRunOf(ended))));
    const { keys: _, ...older } = stored;
    expect(fourKeysRunOfSummary(older)).toBeUndefined();
  });
});
