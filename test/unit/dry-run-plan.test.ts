import { describe, expect, it } from 'vitest';
import { checklistSchema } from '../../src/checklist/checklist-schema.js';
import { assembleDryRunPlan, plannedWrites } from '../../src/queue/dry-run/dry-run-plan.js';
import { renderDryRun } from '../../src/slack/views/render-dry-run.js';

const checklist = checklistSchema.parse({
  name: 'canary',
  roles: { sre: 'watches production' },
  phases: [
    { id: 'ready', title: 'Ready', items: [{ id: 'ok', kind: 'signoff', title: 'SRE ok', role: 'sre', quorum: 2 }] },
    {
      id: 'rollout',
      title: 'Rollout',
      items: [
        { id: 'canary', kind: 'step', action: 'canary', replicas: 2 },
        { id: 't10', kind: 'step', action: 'traffic', weight: 10 },
        { id: 't50', kind: 'step', action: 'traffic', weight: 50 },
        { id: 'promote', kind: 'step', action: 'promote' },
      ],
    },
    { id: 'later', title: 'A day later', after: '24h', items: [{ id: 'look', kind: 'manual', title: 'Dashboards look right' }] },
  ],
  guards: [
    { id: 'errors', title: 'error-rate', probe: { type: 'prometheus', query: 'x', below: 0.05 }, for: '2m', action: 'rollback' },
    { id: 'latency', title: 'latency', probe: { type: 'prometheus', query: 'p99', above: 0.5 }, for: '1m', action: 'page', watchFor: '24h' },
  ],
  rollbackPlan: [{ id: 'db', kind: 'manual', title: 'Check the database', role: 'sre' }],
});
const ref = { namespace: 'shop', deployment: 'api', container: 'api' };
const route = { namespace: 'shop', route: 'api', stableService: 'api', canaryService: 'api-canary' };

describe('plannedWrites', () => {
  it('reads the writes from the steps: promote sets the image, the canary its replicas, traffic each weight in order', () => {
    expect(plannedWrites(checklist, { ref, image: 'api:2', changeCause: 'c' }, route)).toEqual({
      ref, image: 'api:2', changeCause: 'c', setsImage: true, canaryReplicas: 2, traffic: { route, weights: [10, 50] },
    });
  });

  it('names no traffic without the service\'s traffic settings, and no image write without a step that sets it', () => {
    const plain = checklistSchema.parse({ name: 'plain', phases: [{ id: 'p', title: 'P', items: [{ id: 'm', kind: 'manual', title: 'M' }] }] });
    expect(plannedWrites(plain, { ref, image: 'api:2', changeCause: 'c' }, undefined)).toEqual({ ref, image: 'api:2', changeCause: 'c', setsImage: false });
  });
});

describe('assembleDryRunPlan and its view', () => {
  const plan = assembleDryRunPlan({
    request: { service: 'api', environment: 'production', version: '2', image: 'api:2' },
    checklist,
    roles: { sre: { users: ['U1'], groups: ['S9'] } },
    writes: [{ kind: 'Deployment', name: 'shop/api', verb: 'patch', step: 'set-image', changes: [{ field: 'image of container api', from: 'api:1', to: 'api:2' }] }],
    lock: { kind: 'person', by: 'U2', reason: 'db <migration>' },
    window: { open: false, kind: 'frozen', freeze: { from: 0, until: Date.UTC(2026, 11, 24), reason: 'year end', by: 'U3' }, opensAt: Date.UTC(2026, 11, 24) },
    rollbackTarget: { revision: '7', image: 'api:1' },
    replay: {
      rangeMs: 24 * 3_600_000,
      guards: [
        { title: 'error-rate', for: '2m', replay: { breaches: 3, longestMs: 4 * 60_000, evaluated: 8640 } },
        { title: 'pods', for: '0s', unavailable: 'a k8s-pods probe keeps no history to replay' },
      ],
    },
  });

  it('gathers sign-offs with their holders from the catalog, phases with follow-ups, guards and the rollback plan', () => {
    expect(plan.signoffs).toEqual([{ title: 'SRE ok', role: 'sre', quorum: 2, users: ['U1'], groups: ['S9'] }]);
    expect(plan.phases.map((phase) => [phase.title, phase.after, phase.items.map((item) => item.detail)])).toEqual([
      ['Ready', undefined, ['role sre']],
      ['Rollout', undefined, ['canary', 'traffic 10%', 'traffic 50%', 'promote']],
      ['A day later', '24h', [undefined]],
    ]);
    expect(plan.guards).toEqual([
      { title: 'error-rate', for: '2m', action: 'rollback' },
      { title: 'latency', for: '1m', action: 'page', watch: { for: '24h', action: 'page' } },
    ]);
    expect(plan.rollbackPlan).toEqual([{ kind: 'manual', title: 'Check the database', detail: 'role sre' }]);
  });

  it('words the diff, holders, lock (escaped), freeze and rollback target within Block Kit limits', () => {
    const { text, blocks } = renderDryRun(plan);
    expect(text).toBe('Dry run: api 2 to production — nothing was changed');
    const shown = JSON.stringify(blocks);
    expect(shown).toContain('image of container api: `api:1` → `api:2`');
    expect(shown).toContain('latency — for 1m, then page; watches 24h after success, then page');
    expect(shown).toContain('SRE ok: 2 of role `sre` (held by <@U1>, <!subteam^S9>)');
    expect(shown).toContain('Locked by <@U2>: db &lt;migration&gt;.');
    expect(shown).toContain('Frozen by <@U3> until 2026-12-24 00:00 UTC: year end.');
    expect(shown).toContain('Rollback target it would pin: revision 7, `api:1`.');
    expect(shown).toContain('error-rate would have breached 3 times in the last 24h (longest 4m)');
    expect(shown).toContain('pods: not replayed: a k8s-pods probe keeps no history to replay');
    expect(blocks.length).toBeLessThanOrEqual(50);
  });
});
