import { isAlias, isMap, isPair, isScalar, isSeq, LineCounter, parseDocument, type Document, type Node, type Pair } from 'yaml';

/** A parsed YAML file with what it takes to point back into its text. */
export interface YamlSource {
  /** The path as the reader knows it; it starts every problem line. */
  file: string;
  doc: Document.Parsed;
  lineCounter: LineCounter;
}

/** Where a problem is: 1-based, like editors and `file:line:col` links. */
export interface Position {
  line: number;
  col: number;
}

/** What the problem is about: the key itself (unknown or badly named keys), or its value (everything else). */
export type Anchor = 'key' | 'value';

const SYNTAX_FIXES: Record<string, string> = {
  DUPLICATE_KEY: 'remove or rename one of the two keys',
  MULTIPLE_DOCS: 'keep one document per file (remove the --- separator)',
  TAB_AS_INDENT: 'indent with spaces, not tabs',
  TAG_RESOLVE_FAILED: 'remove the tag',
  BAD_ALIAS: 'define the anchor (&name) before using it (*name)',
  MISSING_CHAR: 'add the missing character',
};

/**
 * Parses `text` and reports YAML syntax errors (and warnings such as unknown tags) as problem lines.
 * Merge keys (`<<: *defaults`) are allowed because catalogs repeat service settings.
 */
export function parseYamlSource(file: string, text: string): { source: YamlSource; problems: string[] } {
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, prettyErrors: false, merge: true, uniqueKeys: true });
  const source = { file, doc, lineCounter };
  const problems = [...doc.errors, ...doc.warnings].map((error) => {
    const { line, col } = lineCounter.linePos(error.pos[0]);
    const fix = SYNTAX_FIXES[error.code] ?? 'correct the YAML syntax here (indentation, colons, quotes and brackets)';
    return `${file}:${line}:${col} (yaml syntax): ${error.message} — ${fix}`;
  });
  return { source, problems };
}

/**
 * Finds `path` in the document. Where the path leaves the document (a missing key), the answer is the
 * deepest map or list that exists, so the reader lands where the key should be added.
 */
export function locate(source: YamlSource, path: readonly PropertyKey[], anchor: Anchor = 'value'): Position {
  let node: unknown = source.doc.contents;
  let pair: Pair | undefined;
  let offset = rangeStart(node) ?? 0;
  for (const [index, segment] of path.entries()) {
    if (isAlias(node)) node = node.resolve(source.doc);
    pair = undefined;
    if (isMap(node)) {
      pair = node.items.find((item) => isPair(item) && keyText(item.key) === String(segment));
      node = pair?.value;
    } else if (isSeq(node) && typeof segment === 'number') {
      node = node.items[segment];
    } else {
      node = undefined;
    }
    const isLast = index === path.length - 1;
    const keyStart = pair ? rangeStart(pair.key) : undefined;
    // An empty value (`key:`) has no text of its own; its key is the useful place to point at.
    const valueStart = isEmptyScalar(node) ? undefined : rangeStart(node);
    if (isLast && anchor === 'key' && keyStart !== undefined) return source.lineCounter.linePos(keyStart);
    const start = valueStart ?? keyStart;
    if (start === undefined) break;
    offset = start;
    if (valueStart === undefined) break;
  }
  return source.lineCounter.linePos(offset);
}

/** Formats a key path for people: `services.api.environments[1]`; the document root is `(top level)`. */
export function formatKeyPath(path: readonly PropertyKey[]): string {
  if (path.length === 0) return '(top level)';
  return path
    .map((segment, i) => {
      if (typeof segment === 'number') return `[${segment}]`;
      const text = String(segment);
      if (!/^[A-Za-z0-9_-]+$/.test(text)) return `[${JSON.stringify(text)}]`;
      return i === 0 ? text : `.${text}`;
    })
    .join('');
}

/** One problem line: `<file>:<line>:<col> <key.path>: <problem> — <fix>`. */
export function problemAt(
  source: YamlSource,
  path: readonly PropertyKey[],
  problem: string,
  fix: string,
  anchor: Anchor = 'value',
): string {
  const { line, col } = locate(source, path, anchor);
  return `${source.file}:${line}:${col} ${formatKeyPath(path)}: ${problem} — ${fix}`;
}

function keyText(key: unknown): string | undefined {
  if (isScalar(key)) return String(key.value);
  return typeof key === 'string' ? key : undefined;
}

function rangeStart(node: unknown): number | undefined {
  const range = (node as Node | null | undefined)?.range;
  return range ? range[0] : undefined;
}

function isEmptyScalar(node: unknown): boolean {
  return isScalar(node) && node.value === null && node.source === '';
}
