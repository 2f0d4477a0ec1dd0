import { describe, expect, it } from 'vitest';
import { capDurations } from '../../src/checklist/cap-durations.js';
import { checklistSchema } from '../../src/checklist/checklist-schema.js';

const CHECKLIST = checklistSchema.parse({
  name: 'capped',
  roles: { lead: 'approves' },
  phases: [
    {
      id: 'rollout',
      title: 'Rollout',
      items: [
        { id: 'ok', kind: 'check', title: 'Up', probe: { type: 'http', url: 'http://x/health' }, retries: 3, interval: '30s', timeout: '5m' },
        { id: 'approve', kind: 'signoff', title: 'Approved', role: 'lead', expires: '4h' },
        { id: 'wait', kind: 'step', action: 'wait-rollout', timeout: '10m' },
        { id: 'bake', kind: 'step', action: 'bake', duration: '30m' },
        { id: 'short', kind: 'step', action: 'bake', duration: '500ms' },
        { id: 'preview', kind: 'step', action: 'preview' },
        { id: 'switch', kind: 'step', action: 'switch' },
        { id: 'scale-down', kind: 'step', action: 'scale-down', scaleDownDelay: '30m', timeout: '10m' },
      ],
    },
    { id: 'week', title: 'A week after', after: '7d', items: [{ id: 'look', kind: 'manual', title: 'Looked' }] },
  ],
  guards: [{ id: 'errors', title: 'Errors', probe: { type: 'prometheus', url: 'http://p', query: 'up', above: 1 }, for: '2m', interval: '10s', action: 'rollback', watchFor: '24h', afterSuccess: { for: '10m', interval: '500ms' } }],
});

describe('capDurations', () => {
  it('shortens every wait past the cap and keeps timeouts, expiries and shorter waits', () => {
    const capped = capDurations(CHECKLIST, 1000);
    const [check, signoff, wait, bake, short, , , scaleDown] = capped.phases[0]!.items as Array<Record<string, unknown>>;
    expect(check).toMatchObject({ interval: '1000ms', timeout: '5m', retries: 3 });
    expect(signoff).toMatchObject({ expires: '4h' });
    expect(wait).toMatchObject({ timeout: '10m' });
    expect(bake).toMatchObject({ duration: '1000ms' });
    expect(short).toMatchObject({ duration: '500ms' });
    // The blue-green watch before the old version goes is a wait; the scale-down's rollout bound is not.
    expect(scaleDown).toMatchObject({ scaleDownDelay: '1000ms', timeout: '10m' });
    expect(capped.phases[1]!.after).toBe('1000ms');
    expect(capped.guards[0]).toMatchObject({ for: '1000ms', interval: '1000ms', watchFor: '1000ms', afterSuccess: { for: '1000ms', interval: '500ms', action: 'page' } });
    expect(checklistSchema.parse(capped)).toEqual(capped);
    expect(CHECKLIST.guards[0]!.for).toBe('2m');
  });
});
