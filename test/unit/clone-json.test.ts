import { describe, expect, it } from 'vitest';
import { cloneJson } from '../../src/run/core/clone-json.js';

/** Every object and array reachable from `value`. */
function containers(value: unknown, into: unknown[] = []): unknown[] {
  if (value !== null && typeof value === 'object') {
    into.push(value);
    for (const child of Object.values(value)) containers(child, into);
  }
  return into;
}

describe('cloneJson', () => {
  const doc = { id: '7', n: 1.5, on: false, none: null, gone: undefined, items: [{ id: 'a', tags: ['x', 'y'] }, { id: 'b', outcome: { lines: [] } }], nested: { deeper: { deepest: [[1], [2]] } } };

  it('copies JSON-shaped data whole, `undefined` values included, and shares no object or array with it', () => {
    const copy = cloneJson(doc);
    expect(copy).toStrictEqual(doc);
    expect('gone' in copy).toBe(true);
    const original = new Set(containers(doc));
    expect(containers(copy).filter((container) => original.has(container))).toEqual([]);
  });

  it('keeps a `__proto__` key parsed from JSON as a key, leaving the copy a plain object', () => {
    const parsed = JSON.parse('{"roles":{"__proto__":{"polluted":true},"sre":["U1"]}}') as { roles: Record<string, unknown> };
    const copy = cloneJson(parsed);
    expect(Object.keys(copy.roles)).toEqual(['__proto__', 'sre']);
    expect(Object.getPrototypeOf(copy.roles)).toBe(Object.prototype);
    expect((copy.roles as { polluted?: boolean }).polluted).toBeUndefined();
    expect(JSON.stringify(copy)).toBe(JSON.stringify(parsed));
  });

  it('hands back what is not an object or array as it is', () => {
    for (const value of ['text', 0, true, null, undefined]) expect(cloneJson(value)).toBe(value);
  });
});
