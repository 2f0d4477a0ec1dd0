/**
 * A deep copy of JSON-shaped data (plain objects, arrays, strings, numbers, booleans, null; `undefined` values
 * are kept as they are), for the copy every transition makes of its run. Runs are JSON by construction (stored
 * as text, parsed by their schema), and this copy is several times cheaper than `structuredClone`, which
 * serializes and reads back: a tick's copy was a measurable part of what a click costs the answering process.
 */
export function cloneJson<T>(value: T): T {
  if (Array.isArray(value)) return value.map(cloneJson) as T;
  if (value === null || typeof value !== 'object') return value;
  const source = value as Record<string, unknown>;
  const copy: Record<string, unknown> = {};
  // `for…in` over a plain object is its own keys, and three times faster here than Object.entries.
  for (const key in source) {
    // A key parsed from JSON may be `__proto__`; assigned, it would set the copy's prototype instead.
    if (key === '__proto__') Object.defineProperty(copy, key, { value: cloneJson(source[key]), enumerable: true, writable: true, configurable: true });
    else copy[key] = cloneJson(source[key]);
  }
  return copy as T;
}
