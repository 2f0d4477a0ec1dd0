import { classifySignoff, isSignoffSection } from './classify-signoff.js';
import { cleanInlineMarkdown } from './clean-inline-markdown.js';
import { createIdRegistry, slugify } from './create-id-registry.js';
import { neutralizePlaceholders } from './neutralize-placeholders.js';
import type { ListItemBlock, MarkdownBlock } from './scan-markdown-blocks.js';

/** More items than this make a run no one can follow in Slack; the rest are left out with a warning. */
export const MAX_IMPORTED_ITEMS = 500;
/** The checklist schema's limit for titles. */
export const MAX_TITLE_LENGTH = 300;
/** Nearest enclosing list items whose words prefix a nested item's title. */
const MAX_CONTEXT_DEPTH = 3;

/** A blank to write a name or signature on: "Signed off by: ________". */
const FILL_IN_BLANK = /(?<![^\s:_])_{3,}(?!\S)/;

/** Labels that say nothing about the items under them ("**Checklist:**"), so they do not prefix titles. */
const GENERIC_LABEL = /^(?:check ?list(?: items)?|tasks?|items?|to-?dos?|steps?|action items|checks)$/i;

export interface DraftItem {
  id: string;
  kind: 'manual' | 'signoff';
  title: string;
  role?: string;
}

export interface DraftPhase {
  id: string;
  title: string;
  items: DraftItem[];
}

/** A checklist in the shape of the schema's input, before the name is added. */
export interface ChecklistDraft {
  description: string | undefined;
  /** Role slug → the role's words, in order of first use. */
  roles: Record<string, string>;
  phases: DraftPhase[];
}

interface Label {
  text: string;
  signoff: boolean;
  generic: boolean;
}

interface Entry {
  block: ListItemBlock;
  label: Label | undefined;
  inSignoffSection: boolean;
  /** A prose line with a fill-in blank; it becomes an item only if it is a sign-off. */
  fillIn?: boolean;
}

interface Section {
  level: number;
  line: number;
  own: string;
  title: string;
  signoff: boolean;
  entries: Entry[];
}

/**
 * Turns scanned blocks into phases and items. Each heading is a phase titled by its words (prefixed by an
 * enclosing heading that has no items of its own, so "Within 24 Hours" keeps "Post-Deployment Tasks");
 * items before the first heading form a phase named after the document title (its first `#` heading) or
 * "Checklist". Task-box items become manual items, or sign-offs (see classifySignoff) with their role
 * declared; an item with task boxes under it is only context for them. Phases without items are dropped,
 * ids are unique across phases and items. Never throws.
 */
export function buildChecklistDraft(blocks: readonly MarkdownBlock[]): { draft: ChecklistDraft; warnings: string[] } {
  const warnings: string[] = [];
  const clean = (text: string, line: number): string => {
    const { text: out, changed } = neutralizePlaceholders(cleanInlineMarkdown(text));
    if (changed) warnings.push(`line ${line}: "{{…}}" that is not a flightdeck template variable was written as "{ {…}}"`);
    return out;
  };

  const sections: Section[] = [];
  const stack: Section[] = [];
  let documentTitle: Section | undefined;
  let sawHeading = false;
  let label: Label | undefined;
  /** The section items go to: the innermost heading's, or one for items before any heading. */
  const sectionFor = (line: number): Section => {
    let section = stack.at(-1);
    if (!section) {
      section = { level: 0, line, own: '', title: '', signoff: false, entries: [] };
      sections.push(section);
      stack.push(section);
    }
    return section;
  };
  for (const block of blocks) {
    if (block.kind === 'heading') {
      const own = clean(block.text, block.line);
      while ((stack.at(-1)?.level ?? 0) >= block.level) stack.pop();
      const parent = stack.at(-1);
      let title = own || `Section at line ${block.line}`;
      if (parent && parent !== documentTitle && parent.entries.length === 0) title = `${parent.title} — ${title}`;
      const section: Section = { level: block.level, line: block.line, own, title, signoff: isSignoffSection(own), entries: [] };
      if (!sawHeading && block.level === 1 && own) documentTitle = section;
      sawHeading = true;
      sections.push(section);
      stack.push(section);
      label = undefined;
    } else if (block.kind === 'label') {
      const text = clean(block.text, block.line);
      label = { text, signoff: isSignoffSection(text), generic: text === '' || GENERIC_LABEL.test(text) };
    } else if (block.kind === 'paragraph') {
      label = undefined;
      // A signature line in prose ("Signed off by: ______ (SRE Lead)") asks for an approval as surely as a
      // task box does; leaving it out would drop the sign-off without a word.
      if (FILL_IN_BLANK.test(block.text)) {
        const line: ListItemBlock = { kind: 'list-item', line: block.line, checkbox: true, text: block.text, parent: undefined, hasCheckboxDescendant: false };
        sectionFor(block.line).entries.push({ block: line, label: undefined, inSignoffSection: stack.at(-1)?.signoff ?? false, fillIn: true });
      }
    } else {
      const section = sectionFor(block.line);
      section.entries.push({ block, label, inSignoffSection: section.signoff || (label?.signoff ?? false) });
    }
  }

  const fit = (title: string, line: number): string => {
    if (title.length <= MAX_TITLE_LENGTH) return title;
    warnings.push(`line ${line}: title longer than ${MAX_TITLE_LENGTH} characters was cut`);
    let cut = title.slice(0, MAX_TITLE_LENGTH - 1);
    if (/[\uD800-\uDBFF]$/.test(cut)) cut = cut.slice(0, -1);
    return `${cut.trimEnd()}…`;
  };
  const cleanedItems = new Map<ListItemBlock, string>();
  const cleanItem = (block: ListItemBlock): string => {
    let text = cleanedItems.get(block);
    if (text === undefined) {
      text = clean(block.text, block.line);
      cleanedItems.set(block, text);
    }
    return text;
  };

  const ids = createIdRegistry();
  const roleIds = createIdRegistry();
  const roles: Record<string, string> = {};
  const roleByWords = new Map<string, string>();
  const roleFor = (words: string): string => {
    const key = words.toLowerCase();
    let role = roleByWords.get(key);
    if (role === undefined) {
      role = roleIds.claim(slugify(words, 40), 'role');
      roleByWords.set(key, role);
      roles[role] = words;
    }
    return role;
  };

  const phases: DraftPhase[] = [];
  let imported = 0;
  let leftOut = 0;
  for (const section of sections) {
    const items: DraftItem[] = [];
    for (const { block, label: itemLabel, inSignoffSection, fillIn } of section.entries) {
      if (!block.checkbox || block.hasCheckboxDescendant) continue;
      if (fillIn && !classifySignoff(cleanItem(block), inSignoffSection)) continue;
      if (imported >= MAX_IMPORTED_ITEMS) {
        leftOut += 1;
        continue;
      }
      const own = cleanItem(block);
      if (!own) {
        warnings.push(`line ${block.line}: item without words skipped`);
        continue;
      }
      const context: string[] = [];
      for (let parent = block.parent, depth = 0; parent && depth < MAX_CONTEXT_DEPTH; parent = parent.parent, depth += 1) {
        const words = cleanItem(parent);
        if (words) context.unshift(words);
      }
      if (itemLabel && !itemLabel.generic && !itemLabel.signoff) context.unshift(itemLabel.text);
      const title = fit([...context, own].join(': '), block.line);
      const signoff = classifySignoff(own, inSignoffSection);
      const id = ids.claim(own, 'item');
      items.push(signoff ? { id, kind: 'signoff', title, role: roleFor(signoff.words) } : { id, kind: 'manual', title });
      imported += 1;
    }
    if (items.length === 0) continue;
    const own = section.level === 0 ? (documentTitle?.own ?? 'Checklist') : section.own;
    const title = section.level === 0 ? own : section.title;
    phases.push({ id: ids.claim(own, 'phase'), title: fit(title, section.line), items });
  }
  if (leftOut > 0) warnings.push(`only the first ${MAX_IMPORTED_ITEMS} items were imported; ${leftOut} more were left out`);
  return { draft: { description: documentTitle?.own, roles, phases }, warnings };
}
