/** The JSON paths http probes accept: an optional `$`, then `.name`, `["name"]` or `[index]` steps. */
export const JSON_PATH_PATTERN = /^(\$|\$?(\.?[A-Za-z_][\w-]*|\[\d+\]|\["[^"]+"\])((\.[A-Za-z_][\w-]*)|\[\d+\]|\["[^"]+"\])*)$/;

const STEP = /\.?([A-Za-z_][\w-]*)|\[(\d+)\]|\["([^"]+)"\]/y;

/**
 * Reads the value at `path` in a parsed JSON document. Returns `{ found: false }` when a step is missing
 * or walks into a non-container. Throws for a path that does not match JSON_PATH_PATTERN, which the
 * probe schema rules out.
 */
export function readJsonPath(document: unknown, path: string): { found: true; value: unknown } | { found: false } {
  if (!JSON_PATH_PATTERN.test(path)) throw new Error(`invalid JSON path ${path}`);
  let rest = path.startsWith('$') ? path.slice(1) : path;
  let current: unknown = document;
  while (rest.length > 0) {
    STEP.lastIndex = 0;
    const match = STEP.exec(rest);
    if (!match) throw new Error(`invalid JSON path ${path}`);
    rest = rest.slice(match[0].length);
    const index = match[2];
    if (index !== undefined) {
      if (!Array.isArray(current) || Number(index) >= current.length) return { found: false };
      current = current[Number(index)];
      continue;
    }
    const key = match[1] ?? match[3] ?? '';
    if (typeof current !== 'object' || current === null || Array.isArray(current) || !Object.hasOwn(current, key)) return { found: false };
    current = (current as Record<string, unknown>)[key];
  }
  return { found: true, value: current };
}
