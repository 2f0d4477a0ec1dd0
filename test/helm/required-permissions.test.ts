import { describe, expect, it } from 'vitest';
import { REQUIRED_PERMISSIONS } from '../../src/k8s/required-permissions.js';
import { requiredPermissions } from './required-rbac-rules.js';

const key = (p: { group: string; resource: string; verb: string }) => `${p.verb} ${p.resource} (group "${p.group}")`;

describe('the permissions flightdeck doctor checks', () => {
  it('are exactly those the code in src/k8s calls for, the list the chart Role is checked against', () => {
    const fromCode = new Set(requiredPermissions().map((p) => key({ group: p.apiGroup, resource: p.resource, verb: p.verb })));
    const checked = REQUIRED_PERMISSIONS.map((p) => key({ group: p.group, resource: p.subresource ? `${p.resource}/${p.subresource}` : p.resource, verb: p.verb }));
    expect(new Set(checked).size).toBe(checked.length);
    expect({ missing: [...fromCode].filter((k) => !checked.includes(k)).sort(), extra: checked.filter((k) => !fromCode.has(k)).sort() }).toEqual({ missing: [], extra: [] });
  });
});
