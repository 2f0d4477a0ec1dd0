import { describe, expect, it } from 'vitest';
import { parseView } from '../../sandbox/slack/validate-view.js';
import type { Run } from '../../src/run/core/run-schema.js';
import { buildHomeView, MAX_HOME_BLOCKS, type HomeData } from '../../src/slack/views/home-view.js';
import { MIN, T0, runOf } from './render-fixtures.js';

const CHECKLIST = {
  name: 'signed',
  roles: { qa: 'tests it', lead: 'approves' },
  phases: [
    {
      id: 'approve',
      title: 'Approve',
      items: [
        { id: 'qa-ok', kind: 'signoff', title: 'QA passed', role: 'qa', quorum: 1 },
        { id: 'lead-ok', kind: 'signoff', title: 'Lead approves', role: 'lead', quorum: 1 },
        { id: 'notes', kind: 'manual', title: 'Release notes posted' },
      ],
    },
  ],
};

/** A run waiting in its first phase, requested by UREQ. */
function waiting(id: string): Run {
  const run = runOf(CHECKLIST);
  return { ...run, id, state: 'waiting', phases: run.phases.map((phase) => ({ ...phase, state: 'active' })) };
}

function data(overrides: Partial<HomeData> = {}): HomeData {
  return { userId: 'U0QA', roles: ['qa'], activeRuns: [], locks: [], freezes: [], recent: [], keys: [], keysDays: 30, now: T0 + 5 * MIN, ...overrides };
}

const texts = (view: ReturnType<typeof buildHomeView>) => view.blocks.map((block) => ('text' in block && typeof block.text === 'object' && block.text ? block.text.text : ''));

describe('the Home tab view', () => {
  it('puts the sign-offs of the person\'s roles first, then the active runs and where they wait', () => {
    const view = buildHomeView(data({ activeRuns: [waiting('7')] }));
    const shown = texts(view);
    expect(shown.slice(0, 3)).toEqual(['flightdeck', '*Waiting for you*', '• #7 *api* `2.0.0` → production: sign-off *QA passed* as qa (0 of 1) — in <#C1>']);
    expect(shown[4]).toBe('• #7 *api* `2.0.0` → production: waiting for 5m 00s; waiting on QA passed, Lead approves, Release notes posted — <#C1>');
    expect(parseView(view, 'home').ok).toBe(true);
  });

  it('shows no sign-off of a role the person lacks, one they gave, or one on their own run', () => {
    const given = waiting('8');
    const approved = { ...given, phases: given.phases.map((phase) => ({ ...phase, items: phase.items.map((item) => (item.kind === 'signoff' ? { ...item, approvals: [{ by: 'U0QA', at: T0 }] } : item)) })) };
    const own = { ...waiting('9'), requestedBy: 'U0QA' };
    const shown = texts(buildHomeView(data({ activeRuns: [approved, own] })));
    expect(shown[2]).toBe('No sign-off waits for you.');
    expect(texts(buildHomeView(data({ roles: [], activeRuns: [waiting('7')] })))[2]).toBe('No sign-off waits for you.');
  });

  it('lists the locks people took and the freezes in effect, and says when there are none', () => {
    const locks = [{ service: 'api', environment: 'production', holder: { kind: 'manual' as const, by: 'U0OPS', reason: 'db migration', at: T0 } }];
    const freezes = [{ environment: 'production', freeze: { from: T0, until: Date.UTC(2025, 2, 20), reason: 'year end', by: 'U0LEAD' } }];
    const shown = texts(buildHomeView(data({ locks, freezes })));
    const at = shown.indexOf('*Locks and freezes*');
    expect(shown[at + 1]).toBe('• *api* in production locked by <@U0OPS>: db migration\n• *production* frozen until 2025-03-20 00:00 UTC by <@U0LEAD>: year end');
    expect(texts(buildHomeView(data()))).toContain('Nothing is locked or frozen.');
  });

  it('stays within a Home tab\'s 100 blocks and 3000-character sections, saying what it left out', () => {
    const runs = Array.from({ length: 300 }, (_, i) => waiting(String(i + 1)));
    const recent = Array.from({ length: 120 }, (_, i) => ({ service: `svc-${i}`, runs: [waiting(String(i))] }));
    const view = buildHomeView(data({ activeRuns: runs, recent }));
    expect(view.blocks).toHaveLength(MAX_HOME_BLOCKS);
    expect(view.blocks.at(-1)).toMatchObject({ type: 'context' });
    expect(parseView(view, 'home')).toMatchObject({ ok: true });
  });
});
