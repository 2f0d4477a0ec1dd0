import { describe, expect, it } from 'vitest';
import { checklistSchema } from '../../src/checklist/checklist-schema.js';
import { TEMPLATE_VARIABLES } from '../../src/checklist/template-variables.js';

// The checklist-wide rules (checklistSchema's refinement), each judged by the exact issues it reports:
// unique ids, follow-up phases last and without steps, declared roles, canary before traffic, and
// template variables anywhere in the document.

const manual = (id: string, extra: Record<string, unknown> = {}) => ({ id, kind: 'manual', title: `Do ${id}`, ...extra });
const step = (id: string, action: string, extra: Record<string, unknown> = {}) => ({ id, kind: 'step', action, ...extra });

function issues(document: Record<string, unknown>): Array<{ path: PropertyKey[]; message: string }> {
  const result = checklistSchema.safeParse({ name: 'rules', ...document });
  return result.success ? [] : result.error.issues.map(({ path, message }) => ({ path, message }));
}

describe('checklistSchema rules', () => {
  it('accepts a checklist that breaks none of them', () => {
    expect(
      issues({
        roles: { lead: 'approves' },
        phases: [
          { id: 'pre', title: 'Pre {{service}}', items: [manual('a', { role: 'lead' }), { id: 'ok', kind: 'signoff', title: 'OK', role: 'lead' }] },
          { id: 'roll', title: 'Roll', items: [step('canary', 'canary'), step('shift', 'traffic', { weight: 10 }), step('promote', 'promote')] },
          { id: 'later', title: 'Later', after: '1h', items: [manual('review')] },
        ],
        guards: [{ id: 'errors', title: 'Errors', probe: { type: 'http', url: 'http://127.0.0.1/health' }, action: 'rollback' }],
      }),
    ).toEqual([]);
  });

  it('reports a duplicate phase id, and an id used twice across items and guards, naming the first user', () => {
    expect(
      issues({
        phases: [
          { id: 'one', title: 'One', items: [manual('a')] },
          { id: 'one', title: 'Again', items: [manual('a')] },
        ],
        guards: [{ id: 'a', title: 'Guard', probe: { type: 'http', url: 'http://127.0.0.1/' }, action: 'page' }],
      }),
    ).toEqual([
      { path: ['phases', 1, 'id'], message: 'duplicate phase id "one"' },
      { path: ['phases', 1, 'items', 0, 'id'], message: 'duplicate id "a" (already used by an item in phase "one"; ids must be unique across the checklist)' },
      { path: ['guards', 0, 'id'], message: 'duplicate id "a" (already used by an item in phase "one"; ids must be unique across the checklist)' },
    ]);
  });

  it('names a guard as the first user of an id another guard repeats, and walks past null values', () => {
    const guard = (id: string) => ({ id, title: 'Guard', probe: { type: 'http', url: 'http://127.0.0.1/', jsonPath: '$.error', equals: null }, action: 'page' });
    expect(issues({ phases: [{ id: 'pre', title: 'Pre', items: [manual('a')] }], guards: [guard('g'), guard('g')] })).toEqual([
      { path: ['guards', 1, 'id'], message: 'duplicate id "g" (already used by a guard; ids must be unique across the checklist)' },
    ]);
  });

  it('keeps follow-up phases last and without steps, naming the first follow-up', () => {
    expect(
      issues({
        phases: [
          { id: 'pre', title: 'Pre', items: [manual('a')] },
          { id: 'day', title: 'Day after', after: '1d', items: [manual('b'), step('set', 'set-image')] },
          { id: 'week', title: 'Week after', after: '7d', items: [manual('c')] },
          { id: 'late', title: 'Late', items: [manual('d')] },
        ],
      }),
    ).toEqual([
      {
        path: ['phases', 1, 'items', 1, 'kind'],
        message: 'a follow-up phase (with `after`) cannot hold steps: it runs after the deployment has finished — move the step to an earlier phase',
      },
      { path: ['phases', 3], message: 'a phase without `after` cannot follow the follow-up phase "day" — move it before "day", or give it an `after`' },
    ]);
  });

  it('reports roles of manual items and sign-offs that are not declared, listing those that are', () => {
    expect(
      issues({
        phases: [{ id: 'pre', title: 'Pre', items: [manual('a', { role: 'sre' }), { id: 'ok', kind: 'signoff', title: 'OK', role: 'lead' }] }],
      }),
    ).toEqual([
      { path: ['phases', 0, 'items', 0, 'role'], message: 'role "sre" is not declared under roles (declared: none)' },
      { path: ['phases', 0, 'items', 1, 'role'], message: 'role "lead" is not declared under roles (declared: none)' },
    ]);
    expect(issues({ roles: { qa: 'tests', dba: 'data' }, phases: [{ id: 'pre', title: 'Pre', items: [manual('a', { role: 'sre' })] }] })).toEqual([
      { path: ['phases', 0, 'items', 0, 'role'], message: 'role "sre" is not declared under roles (declared: qa, dba)' },
    ]);
  });

  it('wants a canary step before traffic and promote steps, in any earlier phase', () => {
    expect(
      issues({
        phases: [
          { id: 'early', title: 'Early', items: [step('shift', 'traffic', { weight: 5 }), step('done', 'promote')] },
          { id: 'canary', title: 'Canary', items: [step('canary', 'canary')] },
          { id: 'late', title: 'Late', items: [step('shift-more', 'traffic', { weight: 50 })] },
        ],
      }),
    ).toEqual([
      { path: ['phases', 0, 'items', 0, 'action'], message: 'a traffic step needs a canary step before it' },
      { path: ['phases', 0, 'items', 1, 'action'], message: 'a promote step needs a canary step before it' },
    ]);
  });

  it('wants a preview step before a switch, and a switch before a scale-down, in any earlier phase', () => {
    expect(
      issues({
        phases: [
          { id: 'early', title: 'Early', items: [step('switch', 'switch'), step('preview', 'preview')] },
          { id: 'late', title: 'Late', items: [step('switch-again', 'switch'), step('scale-down', 'scale-down')] },
        ],
      }),
    ).toEqual([{ path: ['phases', 0, 'items', 0, 'action'], message: 'a switch step needs a preview step before it' }]);
    expect(issues({ phases: [{ id: 'bg', title: 'Blue-green', items: [step('preview', 'preview'), step('scale-down', 'scale-down')] }] })).toEqual([
      { path: ['phases', 0, 'items', 1, 'action'], message: 'a scale-down step needs a switch step before it' },
    ]);
  });

  it('gives a scale-down the 30-minute delay and 10-minute rollout bound unless the checklist says otherwise', () => {
    const parsed = checklistSchema.parse({
      name: 'bg',
      phases: [{ id: 'bg', title: 'Blue-green', items: [step('preview', 'preview'), step('switch', 'switch'), step('scale-down', 'scale-down')] }],
    });
    expect(parsed.phases[0]!.items[2]).toMatchObject({ action: 'scale-down', scaleDownDelay: '30m', timeout: '10m' });
  });

  it('reports an unknown template variable wherever it is, with its path', () => {
    const found = issues({
      description: '{{nope}}',
      phases: [{ id: 'pre', title: 'Pre', items: [manual('a', { title: 'Check {{service}} and {{colour}}' })] }],
      guards: [{ id: 'g', title: 'G', probe: { type: 'http', url: 'http://127.0.0.1/', headers: { 'x-env': '{{envv}}' } }, action: 'notify' }],
    });
    expect(found.map(({ path }) => path)).toEqual([['description'], ['phases', 0, 'items', 0, 'title'], ['guards', 0, 'probe', 'headers', 'x-env']]);
    expect(found[1]!.message).toBe(`unknown template variable "{{colour}}" (known: ${TEMPLATE_VARIABLES.join(', ')})`);
  });
});
