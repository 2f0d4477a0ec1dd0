/** Longer lines are cut before inline parsing, which keeps the work per line bounded. */
export const MAX_LINE_LENGTH = 4000;

export interface HeadingBlock {
  kind: 'heading';
  line: number;
  level: number;
  text: string;
}

/** A paragraph that is only bold text, like `**Day 1:**` or `**Stakeholder Sign-offs:**`, labelling the list below it. */
export interface LabelBlock {
  kind: 'label';
  line: number;
  text: string;
}

/** Any other top-level paragraph line; it ends the scope of a label. */
export interface ParagraphBlock {
  kind: 'paragraph';
  line: number;
  /** The line's raw inline text (a sign-off written as a fill-in line is read from it). */
  text: string;
}

export interface ListItemBlock {
  kind: 'list-item';
  line: number;
  /** Whether the item has a task box (`[ ]` or `[x]`). */
  checkbox: boolean;
  /** The raw inline text after the marker and box, with continuation lines joined by spaces. */
  text: string;
  /** The enclosing list item, when nested. */
  parent: ListItemBlock | undefined;
  /** Whether some item nested under this one (at any depth) has a task box. */
  hasCheckboxDescendant: boolean;
}

/** A fenced code block: its info string's first word (`bash`, `yaml`, or empty) and its lines, verbatim. */
export interface CodeBlock {
  kind: 'code';
  line: number;
  language: string;
  lines: string[];
  /** The list item it is written under (indented into it), if any. */
  parent: ListItemBlock | undefined;
}

/** A GFM table: the header's cells and each body row's cells, inline Markdown untouched. */
export interface TableBlock {
  kind: 'table';
  line: number;
  header: string[];
  rows: { line: number; cells: string[] }[];
}

export type MarkdownBlock = HeadingBlock | LabelBlock | ParagraphBlock | ListItemBlock | CodeBlock | TableBlock;

export interface ScanResult {
  blocks: MarkdownBlock[];
  warnings: string[];
}

interface OpenItem {
  indent: number;
  contentColumn: number;
  block: ListItemBlock;
}

const FENCE = /^(`{3,}|~{3,})(.*)$/;
const ATX_HEADING = /^(#{1,6})(?:[ \t]+(.*?))?(?:[ \t]+#+)?[ \t]*$/;
const SETEXT_UNDERLINE = /^ {0,3}(=+|-+)[ \t]*$/;
const THEMATIC_BREAK = /^([-*_])(?:[ \t]*\1){2,}[ \t]*$/;
const LIST_ITEM = /^([-*+]|\d{1,9}[.)])(?:([ \t]+)(.*))?$/;
const TASK_BOX = /^\[([ xX])\](?:[ \t]+(.*))?$/;
const TABLE_DELIMITER = /^\|?[ \t]*:?-+:?[ \t]*(?:\|[ \t]*:?-+:?[ \t]*)*\|?[ \t]*$/;
const LABEL = /^(\*\*|__)(?=\S)((?:(?!\1).)*?\S)\1[ \t]*:?$/;
const BLOCKQUOTE = /^(?:[ \t]{0,3}>[ \t]?)+/;

/** Columns of leading whitespace, with tabs stopping every four columns. */
function indentOf(line: string): { indent: number; rest: string } {
  let indent = 0;
  let i = 0;
  for (; i < line.length; i += 1) {
    if (line[i] === ' ') indent += 1;
    else if (line[i] === '\t') indent += 4 - (indent % 4);
    else break;
  }
  return { indent, rest: line.slice(i) };
}

/** A GFM table header: a row with pipes followed by a delimiter row such as `---|:---:`. */
function startsTable(line: string, next: string | undefined): boolean {
  return line.includes('|') && next?.includes('|') === true && next.includes('-') && TABLE_DELIMITER.test(next.trim());
}

/** The cells of a table row: split on pipes that are not escaped, outer pipes dropped. */
function tableCells(row: string): string[] {
  const cells = row.trim().replace(/^\|/, '').replace(/(?<!\\)\|$/, '').split(/(?<!\\)\|/);
  return cells.map((cell) => cell.trim().replace(/\\\|/g, '|'));
}

/** Drops HTML comments, carrying the state of one left open across lines. */
function stripComments(line: string, state: { open: boolean }): string {
  let out = '';
  let rest = line;
  while (rest.length > 0) {
    if (state.open) {
      const end = rest.indexOf('-->');
      if (end < 0) return out;
      state.open = false;
      rest = rest.slice(end + 3);
    } else {
      const start = rest.indexOf('<!--');
      if (start < 0) return out + rest;
      out += rest.slice(0, start);
      state.open = true;
      rest = rest.slice(start + 4);
    }
  }
  return out;
}

/** Lines of a leading YAML front matter block (`---` … `---`), or 0 when there is none. */
function frontMatterLength(lines: readonly string[]): number {
  if (lines[0]?.trim() !== '---') return 0;
  for (let i = 1; i < Math.min(lines.length, 200); i += 1) if (/^(---|\.\.\.)\s*$/.test(lines[i] ?? '')) return i + 1;
  return 0;
}

/**
 * Reads Markdown line by line into the blocks a checklist is built from: headings (ATX and setext),
 * bold labels, top-level paragraphs, list items with their nesting, fenced code blocks (``` and ~~~) and
 * tables. Indented code, HTML comments, front matter and thematic breaks produce nothing. A simplified CommonMark:
 * any deeper indentation nests, and fences are recognised at any indentation. Never throws.
 */
export function scanMarkdownBlocks(text: string): ScanResult {
  const lines = text.split('\n');
  const blocks: MarkdownBlock[] = [];
  const warnings: string[] = [];
  const comment = { open: false };
  let fence: { char: string; length: number; line: number; block: CodeBlock } | undefined;
  let table: TableBlock | undefined;
  let open: OpenItem[] = [];
  let continuable: ListItemBlock | undefined;
  let previousBlank = true;
  let previousCode = false;
  let inTable = false;
  let longLines = 0;

  for (let index = frontMatterLength(lines); index < lines.length; index += 1) {
    const lineNumber = index + 1;
    let raw = lines[index] ?? '';
    if (raw.length > MAX_LINE_LENGTH) {
      raw = raw.slice(0, MAX_LINE_LENGTH);
      longLines += 1;
    }
    if (fence) {
      const closing = raw.trimStart();
      if (closing.startsWith(fence.char.repeat(fence.length)) && closing.replace(/^[`~]+/, '').trim() === '' && closing[0] === fence.char) {
        fence = undefined;
      } else {
        fence.block.lines.push(raw);
      }
      continue;
    }
    const line = stripComments(raw, comment).replace(BLOCKQUOTE, '');
    if (line.trim() === '') {
      previousBlank = true;
      inTable = false;
      table = undefined;
      continuable = undefined;
      continue;
    }
    const { indent, rest } = indentOf(line);
    const top = open.at(-1);
    const base = top ? top.contentColumn : 0;
    if (indent >= base + 4 && (previousBlank || previousCode) && !continuable) {
      previousCode = true;
      previousBlank = false;
      continue;
    }
    previousCode = false;
    const wasBlank = previousBlank;
    previousBlank = false;

    // A code fence, table or break left of an item's content ends that item's list, so what follows
    // (an indented code block after a fence, say) is not read as nested under it.
    const closeItemsRightOf = () => {
      open = open.filter((entry) => entry.contentColumn <= indent);
    };
    const fenceMatch = FENCE.exec(rest);
    if (fenceMatch && !(fenceMatch[1]?.startsWith('`') && fenceMatch[2]?.includes('`'))) {
      closeItemsRightOf();
      const language = (fenceMatch[2] ?? '').trim().split(/\s+/)[0] ?? '';
      const code: CodeBlock = { kind: 'code', line: lineNumber, language, lines: [], parent: open.at(-1)?.block };
      fence = { char: fenceMatch[1]?.[0] ?? '`', length: fenceMatch[1]?.length ?? 3, line: lineNumber, block: code };
      blocks.push(code);
      continuable = undefined;
      continue;
    }
    if (inTable && !rest.includes('|')) {
      inTable = false;
      table = undefined;
    }
    if (inTable || rest.startsWith('|') || startsTable(rest, lines[index + 1])) {
      if (!inTable) {
        closeItemsRightOf();
        if (startsTable(rest, lines[index + 1])) {
          table = { kind: 'table', line: lineNumber, header: tableCells(rest), rows: [] };
          blocks.push(table);
          index += 1;
        }
      } else if (table) {
        table.rows.push({ line: lineNumber, cells: tableCells(rest) });
      }
      inTable = true;
      continuable = undefined;
      continue;
    }
    if (THEMATIC_BREAK.test(rest)) {
      closeItemsRightOf();
      continuable = undefined;
      previousBlank = true;
      continue;
    }
    const heading = indent <= 3 ? ATX_HEADING.exec(rest) : null;
    if (heading) {
      blocks.push({ kind: 'heading', line: lineNumber, level: heading[1]?.length ?? 1, text: heading[2] ?? '' });
      open = [];
      continuable = undefined;
      continue;
    }

    const item = LIST_ITEM.exec(rest);
    if (item && (item[2] !== undefined || item[3] === undefined)) {
      while (open.length > 0 && (open.at(-1)?.indent ?? 0) >= indent) open.pop();
      const parent = open.at(-1)?.block;
      const body = item[3] ?? '';
      const box = TASK_BOX.exec(body);
      const block: ListItemBlock = {
        kind: 'list-item',
        line: lineNumber,
        checkbox: box !== null,
        text: box ? (box[2] ?? '') : body,
        parent,
        hasCheckboxDescendant: false,
      };
      if (box) for (let ancestor = parent; ancestor && !ancestor.hasCheckboxDescendant; ancestor = ancestor.parent) ancestor.hasCheckboxDescendant = true;
      const gap = Math.min(item[2]?.length ?? 1, 4);
      open.push({ indent, contentColumn: indent + (item[1]?.length ?? 1) + gap, block });
      blocks.push(block);
      continuable = block;
      continue;
    }

    if (continuable) {
      continuable.text = `${continuable.text} ${rest}`.slice(0, MAX_LINE_LENGTH);
      continue;
    }
    if (wasBlank) open = open.filter((entry) => entry.contentColumn <= indent);
    if (open.length > 0) continue;
    const next = lines[index + 1] ?? '';
    const setext = indent <= 3 && wasBlank ? SETEXT_UNDERLINE.exec(next) : null;
    if (setext) {
      blocks.push({ kind: 'heading', line: lineNumber, level: setext[1]?.startsWith('=') ? 1 : 2, text: rest });
      index += 1;
      previousBlank = true;
      continue;
    }
    const label = LABEL.exec(rest.trim());
    blocks.push(label ? { kind: 'label', line: lineNumber, text: label[2] ?? '' } : { kind: 'paragraph', line: lineNumber, text: rest.trim() });
  }

  if (fence) warnings.push(`line ${fence.line}: code block never closed; everything after it was skipped`);
  if (longLines > 0) warnings.push(`${longLines} line(s) longer than ${MAX_LINE_LENGTH} characters were cut to that length`);
  return { blocks, warnings };
}
