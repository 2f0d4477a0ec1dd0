import { describe, expect, it } from 'vitest';
import { formatDateTime } from '../../commands/deploy/describe-run.js';
import { formatHistory } from '../../commands/deploy/show-history.js';
import { formatOverallStatus, formatServiceStatus } from '../../commands/deploy/show-status.js';
import { checklistSchema } from '../../src/checklist/checklist-schema.js';
import { createRun } from '../../src/run/core/create-run.js';
import type { LockInfo } from '../../src/run/store/manual-lock.js';
import type { Run } from '../../src/run/core/run-schema.js';

const T0 = Date.UTC(2025, 2, 14, 14, 0, 0);
const MIN = 60_000;

const checklist = checklistSchema.parse({ name: 'standard', phases: [{ id: 'p', title: 'P', items: [{ id: 'a', kind: 'manual', title: 'A' }] }] });

function run(id: string, overrides: Partial<Run> = {}): Run {
  const base = createRun(
    {
      id,
      service: 'api',
      environment: 'production',
      version: `v1.${id}`,
      target: { cluster: 'c', namespace: 'api', deployment: 'api', container: 'api', image: `r/api:v1.${id}` },
      requestedBy: 'U0ALICE',
      channel: 'C0DEPLOY',
      checklist,
    },
    T0,
  );
  return { ...base, ...overrides };
}

describe('/deploy status and history text', () => {
  it('says so when nothing is running or locked', () => {
    expect(formatOverallStatus([], [], T0)).toBe('Nothing is being deployed and nothing is locked.');
  });

  it('lists active runs with state, who and since, and only the locks people took', () => {
    const active = run('12', { state: 'waiting' });
    const locks: LockInfo[] = [
      { service: 'api', environment: 'production', holder: { kind: 'run', run: active } },
      { service: 'web', environment: 'staging', holder: { kind: 'manual', by: 'U0BOB', reason: 'db migration', at: T0 - 5 * MIN } },
    ];
    const text = formatOverallStatus([active], locks, T0 + 3 * MIN + 5000);
    expect(text).toContain('*Active runs*\n• #12 *api* `v1.12` → production: waiting, requested by <@U0ALICE>, since 14:00 UTC (3m 05s)');
    expect(text).toContain('*Locks*\n• :lock: *web* in staging: locked by <@U0BOB> since 2025-03-14 13:55 UTC: db migration');
    expect(text.match(/api\*/g)).toHaveLength(1);
  });

  it('shows each environment of one service: its run, its lock, or its last run', () => {
    const last = run('7', { state: 'succeeded', endedAt: T0 + 4 * MIN + 10_000 });
    const text = formatServiceStatus(
      'api',
      [
        { environment: 'staging', last },
        { environment: 'production', lock: { service: 'api', environment: 'production', holder: { kind: 'manual', by: 'U0BOB', reason: 'freeze', at: T0 } } },
        { environment: 'qa' },
      ],
      T0 + 10 * MIN,
    );
    expect(text).toBe(
      [
        '*api*',
        '• *staging*: idle; last run #7 `v1.7` → production: *succeeded*, by <@U0ALICE>, 2025-03-14 14:00 UTC, took 4m 10s',
        '• *production*: :lock: *api* in production: locked by <@U0BOB> since 2025-03-14 14:00 UTC: freeze',
        '• *qa*: idle, never deployed by flightdeck',
      ].join('\n'),
    );
  });

  it('shows history newest first as given, with outcome, who, when, duration and why it failed', () => {
    const runs = [
      run('9', { state: 'running', createdAt: T0 + 60 * MIN }),
      run('8', { state: 'failed', reason: 'progress deadline exceeded', endedAt: T0 + 2 * MIN }),
      run('5', { kind: 'rollback', rollbackOf: '4', state: 'rolled-back', endedAt: T0 + 30_000 }),
    ];
    const lines = formatHistory('api', undefined, runs, T0 + 61 * MIN).split('\n');
    expect(lines[0]).toBe('*api*: the last 3 runs, newest first');
    expect(lines[1]).toBe('• #9 `v1.9` → production: *running, not finished*, by <@U0ALICE>, 2025-03-14 15:00 UTC, for 1m 00s so far');
    expect(lines[2]).toBe('• #8 `v1.8` → production: *failed*, by <@U0ALICE>, 2025-03-14 14:00 UTC, took 2m 00s — progress deadline exceeded');
    expect(lines[3]).toContain('#5 `v1.5` → production (rollback of #4): *rolled-back*');
  });

  it('says when a service has no runs yet', () => {
    expect(formatHistory('api', 'production', [], T0)).toBe('*api* in production has no runs yet.');
  });

  it('formats dates in UTC', () => {
    expect(formatDateTime(Date.UTC(2024, 10, 22, 9, 5))).toBe('2024-11-22 09:05 UTC');
  });
});
