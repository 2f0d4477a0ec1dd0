import { describe, expect, it } from 'vitest';
import { JSON_PATH_PATTERN, readJsonPath } from '../../src/probes/read-json-path.js';

const doc = { status: 'ok', checks: [{ name: 'db', ok: true }, { name: 'cache', ok: false }], 'build-info': { v: 2 }, empty: null };

describe('readJsonPath', () => {
  it.each([
    ['$', doc],
    ['$.status', 'ok'],
    ['status', 'ok'],
    ['.status', 'ok'],
    ['$.checks[1].ok', false],
    ['checks[0].name', 'db'],
    ['$["build-info"].v', 2],
    ['$.empty', null],
  ])('%s', (path, value) => {
    expect(readJsonPath(doc, path)).toEqual({ found: true, value });
  });

  it.each(['$.missing', '$.checks[2]', '$.status.length', '$.checks.name', '$.empty.x', '$["nope"]'])('%s is not found', (path) => {
    expect(readJsonPath(doc, path)).toEqual({ found: false });
  });

  it.each(['', '$.', 'a..b', '$[x]', '$.a[', '..a', 'a b'])('%j is not a path', (path) => {
    expect(JSON_PATH_PATTERN.test(path)).toBe(false);
  });
});
