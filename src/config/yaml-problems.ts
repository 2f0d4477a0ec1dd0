import type { z } from 'zod';
import { allowedKeysAt, variantAt } from './allowed-keys.js';
import { problemAt, type Anchor, type YamlSource } from './yaml-source.js';

/*
 * Turns zod issues into the lines a person reads: `<file>:<line>:<col> <key.path>: <problem> — <fix>`.
 * Schemas may phrase a message three ways, and each becomes a problem and a fix:
 *   "<problem> — <fix>"  used as written;
 *   "must …"             a rule: the problem quotes the value, the fix is the rule;
 *   anything else        the problem; the fix comes from the issue's code.
 * A custom issue with `params: { anchor: 'key' }` points at its key instead of its value.
 */

const TYPE_NAMES: Record<string, string> = {
  string: 'a string',
  number: 'a number',
  int: 'a whole number',
  boolean: 'true or false',
  object: 'a map (key: value)',
  array: 'a list',
};

/** One line per problem, for every issue, in the order zod found them. */
export function yamlProblems(source: YamlSource, schema: z.core.$ZodType, data: unknown, issues: readonly z.core.$ZodIssue[]): string[] {
  return issues.flatMap((issue) => issueLines(source, schema, data, issue));
}

function issueLines(source: YamlSource, schema: z.core.$ZodType, data: unknown, issue: z.core.$ZodIssue): string[] {
  const path = issue.path;
  if (issue.code === 'unrecognized_keys') {
    const allowed = allowedKeysAt(schema, data, path) ?? [];
    const variant = forVariant(schema, data, path);
    return issue.keys.map((key) =>
      problemAt(source, [...path, key], `unknown key ${JSON.stringify(key)}${variant}`, unknownKeyFix(key, allowed), 'key'),
    );
  }
  const value = valueAt(data, path);
  const [explained, fix, anchor] = explain(issue, value);
  // A key one variant of a union needs (a traffic step's `weight`) says which variant needs it.
  const problem = explained === MISSING ? `${MISSING}${forVariant(schema, data, path.slice(0, -1))}` : explained;
  // A refinement about a key (an override for an undeclared environment) asks for the key via params.
  const wantsKey = issue.code === 'custom' && issue.params?.anchor === 'key';
  return [problemAt(source, path, problem, fix, wantsKey ? 'key' : anchor)];
}

function explain(issue: z.core.$ZodIssue, value: unknown): [problem: string, fix: string, anchor?: Anchor] {
  const message = issue.message;
  const split = message.indexOf(' — ');
  if (split > 0) return [message.slice(0, split), message.slice(split + 3)];

  const key = issue.path.at(-1);
  if (value === undefined && key !== undefined && (issue.code === 'invalid_type' || issue.code === 'invalid_union')) {
    const expected = issue.code === 'invalid_union' && 'options' in issue ? `one of ${list(issue.options)}` : typeName(issue);
    return [MISSING, `add ${String(key)}: <${expected}>`];
  }
  switch (issue.code) {
    case 'invalid_type': {
      const expected = typeName(issue);
      // YAML reads 10, true or 1.0 as numbers or booleans; quoting is the fix people reach for.
      const quoted = issue.expected === 'string' && (typeof value === 'number' || typeof value === 'boolean');
      return [`expected ${expected}, got ${describe(value)}`, quoted ? `quote it: "${String(value)}"` : `write ${expected} here`];
    }
    case 'invalid_value':
      return [`${describe(value)} is not allowed`, `use one of ${list(issue.values)}`];
    case 'invalid_union':
      if ('discriminator' in issue && 'options' in issue) {
        return [`${describe(value)} is not a known ${String(issue.discriminator)}`, `use one of ${list(issue.options)}`];
      }
      return [`${describe(value)} matches none of the accepted forms`, 'compare it with the documented shape of this key'];
    case 'invalid_key': {
      const inner = issue.issues[0]?.message ?? 'is not an accepted key';
      return [`key ${describe(key)} is not valid`, inner.startsWith('must') ? `it ${inner}` : inner, 'key'];
    }
  }
  if (message.startsWith('must')) return [`${describe(value)} is not valid`, `it ${message}`];
  if (message.startsWith('duplicate')) return [message, 'give each one a different id'];
  if (issue.code === 'too_small' && Array.isArray(value)) {
    return [message, issue.minimum === 1 ? 'add at least one entry' : `add entries until there are at least ${String(issue.minimum)}`];
  }
  return [message, 'correct this value'];
}

const MISSING = 'required key is missing';

/** ` for action "traffic"` where a union chose the object at `path` by that field; empty otherwise. */
function forVariant(schema: z.core.$ZodType, data: unknown, path: readonly PropertyKey[]): string {
  const variant = variantAt(schema, data, path);
  return variant === undefined ? '' : ` for ${variant}`;
}

function unknownKeyFix(key: string, allowed: readonly string[]): string {
  if (allowed.length === 0) return 'remove it';
  const near = allowed.find((candidate) => isNear(candidate, key));
  const keys = `allowed keys: ${allowed.join(', ')}`;
  return near ? `did you mean "${near}"? (${keys})` : `remove it (${keys})`;
}

/** Case-insensitive match or at most two edits apart: enough to catch `namepace` and `Timeout`. */
function isNear(a: string, b: string): boolean {
  const x = a.toLowerCase();
  const y = b.toLowerCase();
  if (Math.abs(x.length - y.length) > 2) return false;
  let row = Array.from({ length: y.length + 1 }, (_, j) => j);
  for (let i = 1; i <= x.length; i++) {
    const next = [i];
    for (let j = 1; j <= y.length; j++) {
      next[j] = Math.min((row[j] ?? 0) + 1, (next[j - 1] ?? 0) + 1, (row[j - 1] ?? 0) + (x[i - 1] === y[j - 1] ? 0 : 1));
    }
    row = next;
  }
  return (row[y.length] ?? Infinity) <= 2;
}

function typeName(issue: z.core.$ZodIssue): string {
  const expected = 'expected' in issue ? String(issue.expected) : 'a value';
  return TYPE_NAMES[expected] ?? expected;
}

function valueAt(data: unknown, path: readonly PropertyKey[]): unknown {
  let value = data;
  for (const segment of path) {
    if (typeof value !== 'object' || value === null) return undefined;
    value = (value as Record<PropertyKey, unknown>)[segment];
  }
  return value;
}

/** How a value reads in a message: strings quoted and cut short, collections by kind. */
function describe(value: unknown): string {
  if (value === null || value === undefined) return 'nothing';
  if (typeof value === 'string') return JSON.stringify(value.length > 60 ? `${value.slice(0, 57)}...` : value);
  if (Array.isArray(value)) return value.length === 0 ? 'an empty list' : 'a list';
  if (typeof value === 'object') return 'a map';
  return String(value);
}

function list(values: readonly unknown[] | undefined): string {
  return (values ?? []).map((v) => String(v)).join(', ');
}
