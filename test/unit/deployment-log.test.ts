import { describe, expect, it } from 'vitest';
import { buildDeploymentLog } from '../../src/format/deployment-log/build-deployment-log.js';
import { transition, type RunEvent } from '../../src/run/core/transition.js';
import type { AuditEntry, Run } from '../../src/run/core/run-schema.js';
import { MIN, runOf, T0 } from './render-fixtures.js';

const checklist = {
  name: 'release',
  roles: { lead: 'approves', qa: 'tests' },
  guards: [{ id: 'errors', title: 'Error rate', probe: { type: 'prometheus', query: 'rate(errors[5m])', above: 0.01 }, for: '1m', action: 'rollback' }],
  phases: [
    {
      id: 'pre',
      title: 'Pre-deployment',
      items: [
        { id: 'tests', kind: 'manual', title: 'Tests passed', role: 'qa' },
        { id: 'lead', kind: 'signoff', title: 'Tech lead approves', role: 'lead' },
        { id: 'health', kind: 'check', title: 'Health endpoint', probe: { type: 'http', url: 'http://api.shop/health' } },
      ],
    },
    { id: 'rollout', title: 'Deployment', items: [{ id: 'set-image', kind: 'step', action: 'set-image', title: 'Set the image' }, { id: 'wait', kind: 'step', action: 'wait-rollout', title: 'Wait for the rollout' }] },
    { id: 'day-after', title: 'Day after', after: '24h', items: [{ id: 'budget', kind: 'manual', title: 'Error budget looked at' }] },
  ],
};

/** Plays events a minute apart from T0, keeping every audit entry the transitions wrote. */
function play(events: RunEvent[]): { run: Run; audit: AuditEntry[] } {
  let run = runOf(checklist);
  const audit: AuditEntry[] = [];
  for (const [i, event] of events.entries()) {
    const result = transition(run, event, T0 + (i + 1) * MIN);
    run = result.run;
    audit.push(...result.audit);
  }
  return { run, audit };
}

const toRollout: RunEvent[] = [
  { type: 'start', actor: 'UREQ' },
  { type: 'tick', itemId: 'tests', actor: 'UQA', actorRoles: ['qa'] },
  { type: 'approve', itemId: 'lead', actor: 'ULEAD', actorRoles: ['lead'] },
  { type: 'check-measured', itemId: 'health', measurement: { outcome: 'successful', value: 200, message: 'HTTP 200', at: T0 + 4 * MIN }, final: true },
];
const people = { UREQ: 'Rita Requester', ULEAD: 'Lee Lead', UQA: 'Quinn QA' };

function section(log: string, title: string): string[] {
  const lines = log.split('\n');
  const start = lines.indexOf(`## ${title}`);
  expect(start, `section ${title}`).toBeGreaterThan(-1);
  const end = lines.findIndex((line, i) => i > start && line.startsWith('## '));
  return lines.slice(start + 1, end === -1 ? undefined : end).filter((line) => line !== '');
}

describe('buildDeploymentLog', () => {
  const succeeded = play([
    ...toRollout,
    { type: 'rollback-target-recorded', target: { revision: '7', image: 'registry/api:1.9.0', template: {}, recordedAt: T0 + 5 * MIN } },
    { type: 'step-succeeded', itemId: 'set-image', detail: 'image set' },
    { type: 'step-succeeded', itemId: 'wait', detail: '3/3 replicas on 2.0.0' },
  ]);

  it('heads the log with date, time, deployer, version, environment, duration and outcome', () => {
    expect(succeeded.run.state).toBe('succeeded');
    const log = buildDeploymentLog({ ...succeeded, people, now: T0 + 60 * MIN });
    expect(log.split('\n').slice(0, 11)).toEqual([
      '# Deployment log: api 2.0.0 to production',
      '',
      '- **Run**: #42 (deploy), checklist `release`',
      '- **Date**: 2025-03-14',
      '- **Time**: 14:00:00 UTC',
      '- **Deployed by**: Rita Requester (UREQ)',
      '- **Version**: 2.0.0 (image `registry/api:2.0.0`)',
      '- **Environment**: production — shop/api (container `api`) on `prod`',
      '- **Duration**: 7m 00s (ended 2025-03-14 14:07:00 UTC)',
      '- **Outcome**: succeeded',
      '',
    ]);
  });

  it('lists each phase with who ticked, who signed off as which role, and check and step results with their times', () => {
    const log = buildDeploymentLog({ ...succeeded, people, now: T0 + 60 * MIN });
    expect(section(log, 'Phases')).toEqual([
      '### Pre-deployment — done',
      '- [x] Tests passed — ticked by Quinn QA (UQA) at 2025-03-14 14:02:00 UTC (role `qa`)',
      '- [x] Tech lead approves — sign-off as `lead`, 1 of 1: approved by Lee Lead (ULEAD) at 2025-03-14 14:03:00 UTC',
      '- [x] Health endpoint — check passed at 2025-03-14 14:04:00 UTC, 1 try, took 3m 00s: HTTP 200',
      '### Deployment — done',
      '- [x] Set the image — step `set-image` succeeded at 2025-03-14 14:06:00 UTC, took 2m 00s: image set',
      '- [x] Wait for the rollout — step `wait-rollout` succeeded at 2025-03-14 14:07:00 UTC, took 1m 00s: 3/3 replicas on 2.0.0',
      '### Day after (follow-up, 24h 00m after success, due 2025-03-15 14:07:00 UTC) — pending',
      '- [ ] Error budget looked at — pending',
    ]);
  });

  it('says no incidents and no rollback on a clean run, names the pinned target and points to the open follow-up', () => {
    const log = buildDeploymentLog({ ...succeeded, now: T0 + 60 * MIN });
    expect(section(log, 'Incidents')).toEqual(['- None']);
    expect(section(log, 'Rollback')).toEqual(['- No', '- Rollback target pinned at 2025-03-14 14:05:00 UTC: revision 7 (`registry/api:1.9.0`)']);
    expect(section(log, 'Follow-ups')).toEqual(['- 1 follow-up phase still open: the log is posted again in the thread as each ends; `/deploy log 42` or `flightdeck log 42` shows it now']);
  });

  it('keeps the audited timeline, one row per entry, people named', () => {
    const log = buildDeploymentLog({ ...succeeded, people, now: T0 + 60 * MIN });
    const rows = section(log, 'Timeline');
    expect(rows.slice(0, 2)).toEqual(['| Time (UTC) | Who | What | Detail |', '| --- | --- | --- | --- |']);
    expect(rows).toContain('| 2025-03-14 14:01:00 | Rita Requester (UREQ) | run.started | api 2.0.0 to production |');
    expect(rows).toContain('| 2025-03-14 14:03:00 | Lee Lead (ULEAD) | signoff.approved | lead: Tech lead approves (1/1) |');
    expect(rows.length - 2).toBe(succeeded.audit.length);
  });

  it('records a guard breach and the rollback it started, and an ended run\'s reason', () => {
    const { run, audit } = play([
      ...toRollout,
      { type: 'rollback-target-recorded', target: { revision: '7', image: 'registry/api:1.9.0', template: {}, recordedAt: T0 + 5 * MIN } },
      { type: 'step-succeeded', itemId: 'set-image', detail: 'image set' },
      { type: 'guard-breached', guardId: 'errors', action: 'rollback', detail: 'error rate 0.05 > 0.01 for 1m' },
      { type: 'rollback-started', rollbackRunId: '43', actor: 'flightdeck' },
      { type: 'rollback-finished', ok: true, detail: 'rolled back to revision 7' },
    ]);
    expect(run.state).toBe('rolled-back');
    const log = buildDeploymentLog({ run, audit, now: T0 + 60 * MIN });
    expect(section(log, 'Incidents')).toEqual(['- 2025-03-14 14:07:00 UTC — guard **Error rate** breached, rolled back: error rate 0.05 > 0.01 for 1m']);
    expect(section(log, 'Rollback')[0]).toBe('- Yes — rollback run #43: rolled back');
    expect(log).toMatch(/^- \*\*Outcome\*\*: rolled-back — /m);
    expect(log).not.toContain('## Follow-ups');
  });

  it('says a run still in progress is, and escapes text that would reshape the Markdown', () => {
    const { run, audit } = play([{ type: 'start', actor: 'UREQ' }, { type: 'pause', actor: 'UQA', reason: 'wait | *for* QA\nplease' }]);
    const log = buildDeploymentLog({ run, audit, now: T0 + 3 * MIN });
    expect(log).toContain('- **Duration**: 3m 00s so far (in progress at 2025-03-14 14:03:00 UTC)');
    expect(section(log, 'Incidents')).toEqual(['- 2025-03-14 14:02:00 UTC — paused by UQA: wait \\| \\*for\\* QA please']);
    expect(log).toContain('| 2025-03-14 14:02:00 | UQA | run.paused | wait \\| \\*for\\* QA please |');
  });

  it('shows names in code spans as they are (no backslash escapes work there), a backtick turned harmless', () => {
    const { run, audit } = play([{ type: 'start', actor: 'UREQ' }]);
    const odd = { ...run, target: { ...run.target, image: 'reg/my_app:2.0.0', container: 'side`car' } };
    const log = buildDeploymentLog({ run: odd, audit, now: T0 + 3 * MIN });
    expect(log).toContain('- **Version**: 2.0.0 (image `reg/my_app:2.0.0`)');
    expect(log).toContain('(container `sideˋcar`)');
  });
});
