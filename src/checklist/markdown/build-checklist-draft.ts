import { classifySignoff, isSignoffSection } from './classify-signoff.js';
import { cleanInlineMarkdown } from './clean-inline-markdown.js';
import { createIdRegistry, slugify } from './create-id-registry.js';
import { neutralizePlaceholders } from './neutralize-placeholders.js';
import type { ChecklistDraft, DraftItem, DraftPhase, ImportReportLine } from './checklist-draft.js';
import { commandItems, type CommandPlace } from './draft-commands.js';
import { finishDeploySteps } from './finish-deploy-steps.js';
import type { CodeBlock, ListItemBlock, MarkdownBlock, TableBlock } from './scan-markdown-blocks.js';
import { followUpDelay, isReferenceHeading, isRollbackHeading } from './section-kind.js';
import { signoffsOfTable } from './signoff-table.js';

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

interface Label {
  text: string;
  signoff: boolean;
  generic: boolean;
}

interface Entry {
  kind: 'item';
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
  /** The words of the enclosing headings, to tell a follow-up window ("Within 24 Hours") by its context. */
  context: string;
  /** A follow-up section's delay after the run succeeded. */
  after: string | undefined;
  /** Under a rollback heading: its items are the rollback plan. */
  rollback: boolean;
  /** Under a troubleshooting or emergency heading: its code is what to try when things go wrong, not steps. */
  reference: boolean;
  /** Opened by a bold label naming a follow-up window ("**Week 1:**") rather than by a heading. */
  byLabel: boolean;
  entries: Array<Entry | { kind: 'code'; block: CodeBlock } | { kind: 'table'; block: TableBlock }>;
}

function newSection(fields: Pick<Section, 'level' | 'line' | 'own' | 'title'> & Partial<Section>): Section {
  return { signoff: false, context: '', after: undefined, rollback: false, reference: false, byLabel: false, entries: [], ...fields };
}

/** Groups blocks under their headings, marking follow-up and rollback sections. */
function collectSections(blocks: readonly MarkdownBlock[], clean: (text: string, line: number) => string): { sections: Section[]; documentTitle: Section | undefined } {
  const sections: Section[] = [];
  const stack: Section[] = [];
  let documentTitle: Section | undefined;
  let sawHeading = false;
  let label: Label | undefined;
  /** The section items go to: the innermost heading's, or one for items before any heading. */
  const sectionFor = (line: number): Section => {
    let section = stack.at(-1);
    if (!section) {
      section = newSection({ level: 0, line, own: '', title: '' });
      sections.push(section);
      stack.push(section);
    }
    return section;
  };
  for (const block of blocks) {
    if (block.kind === 'heading') {
      const own = clean(block.text, block.line);
      while (stack.length > 0 && ((stack.at(-1)?.level ?? 0) >= block.level || stack.at(-1)?.byLabel)) stack.pop();
      const parent = stack.at(-1);
      let title = own || `Section at line ${block.line}`;
      if (parent && parent !== documentTitle && parent.entries.length === 0) title = `${parent.title} — ${title}`;
      const context = parent && parent !== documentTitle ? `${parent.context} ${parent.own}` : '';
      const section = newSection({
        level: block.level,
        line: block.line,
        own,
        title,
        signoff: isSignoffSection(own),
        context,
        after: followUpDelay(own, context) ?? parent?.after,
        rollback: isRollbackHeading(own) || (parent?.rollback ?? false),
        reference: isReferenceHeading(own) || (parent?.reference ?? false),
      });
      if (!sawHeading && block.level === 1 && own) documentTitle = section;
      sawHeading = true;
      sections.push(section);
      stack.push(section);
      label = undefined;
    } else if (block.kind === 'label') {
      const text = clean(block.text, block.line);
      label = { text, signoff: isSignoffSection(text), generic: text === '' || GENERIC_LABEL.test(text) };
      // "**Week 1:**" under "Follow-up Actions" opens a follow-up of its own, as a heading would.
      const current = stack.at(-1);
      const after = current && !current.rollback ? followUpDelay(text, `${current.context} ${current.own}`) : undefined;
      if (current && after !== undefined) {
        if (current.byLabel) stack.pop();
        const parent = stack.at(-1) ?? current;
        const section = newSection({ level: parent.level, line: block.line, own: text, title: `${parent.title} — ${text}`, context: `${parent.context} ${parent.own}`, after, byLabel: true });
        sections.push(section);
        stack.push(section);
        label = undefined;
      }
    } else if (block.kind === 'paragraph') {
      label = undefined;
      // A signature line in prose ("Signed off by: ______ (SRE Lead)") asks for an approval as surely as a
      // task box does; leaving it out would drop the sign-off without a word.
      if (FILL_IN_BLANK.test(block.text)) {
        const line: ListItemBlock = { kind: 'list-item', line: block.line, checkbox: true, text: block.text, parent: undefined, hasCheckboxDescendant: false };
        sectionFor(block.line).entries.push({ kind: 'item', block: line, label: undefined, inSignoffSection: stack.at(-1)?.signoff ?? false, fillIn: true });
      }
    } else if (block.kind === 'list-item') {
      const section = sectionFor(block.line);
      section.entries.push({ kind: 'item', block, label, inSignoffSection: section.signoff || (label?.signoff ?? false) });
    } else {
      sectionFor(block.line).entries.push(block.kind === 'code' ? { kind: 'code', block } : { kind: 'table', block });
    }
  }
  return { sections, documentTitle };
}

/**
 * Turns scanned blocks into phases and items. Each heading is a phase titled by its words (prefixed by an
 * enclosing heading that has no items of its own, so "Within 24 Hours" keeps "Post-Deployment Tasks");
 * items before the first heading form a phase named after the document title (its first `#` heading) or
 * "Checklist". Task-box items become manual items, or sign-offs (see classifySignoff) with their role
 * declared, as do the rows of a Role/…/Signature table; an item with task boxes under it is only context
 * for them. Shell code blocks become steps and checks where a command is recognised (see commandItems).
 * Follow-up sections ("+1 hour", "Within 24 Hours" after the deployment) become phases with `after`, placed
 * last; rollback sections become the rollback plan. Phases without items are dropped, ids are unique across
 * phases and items. Never throws.
 */
export function buildChecklistDraft(blocks: readonly MarkdownBlock[]): { draft: ChecklistDraft; warnings: string[]; report: ImportReportLine[] } {
  const warnings: string[] = [];
  const report: ImportReportLine[] = [];
  const clean = (text: string, line: number): string => {
    const { text: out, changed } = neutralizePlaceholders(cleanInlineMarkdown(text));
    if (changed) warnings.push(`line ${line}: "{{…}}" that is not a flightdeck template variable was written as "{ {…}}"`);
    return out;
  };
  const { sections, documentTitle } = collectSections(blocks, clean);

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
  const followUps: DraftPhase[] = [];
  const rollbackPlan: DraftItem[] = [];
  let imported = 0;
  let leftOut = 0;
  const hasSetImage = () => phases.some((phase) => phase.items.some((item) => item.kind === 'step' && item.action === 'set-image'));
  /** Task-box items holding a rollback's commands ("- [ ] Rollback Procedure" over `kubectl rollout undo`): the plan's, not the deployment's. */
  const rollbackItems = new Set<ListItemBlock>();
  for (const section of sections) {
    for (const entry of section.entries) {
      if (entry.kind === 'code' && entry.block.parent && isRollbackHeading(cleanItem(entry.block.parent))) rollbackItems.add(entry.block.parent);
    }
  }

  for (const section of sections) {
    const items: DraftItem[] = [];
    const planned: DraftItem[] = [];
    const room = (): boolean => {
      if (imported < MAX_IMPORTED_ITEMS) return true;
      leftOut += 1;
      return false;
    };
    const place = (rollback: boolean): CommandPlace => (rollback ? 'rollback-plan' : section.after !== undefined ? 'follow-up' : 'phase');
    const outcomeOf = (rollback: boolean, kind: DraftItem['kind']): ImportReportLine['outcome'] =>
      rollback ? 'rollback-plan' : kind === 'signoff' ? 'signoff' : section.after !== undefined ? 'follow-up' : 'manual';
    for (const entry of section.entries) {
      if (entry.kind === 'table') {
        for (const row of signoffsOfTable(entry.block) ?? []) {
          if (!room()) continue;
          const role = roleFor(row.words);
          const item: DraftItem = { id: ids.claim(`${row.words} sign-off`, 'item'), kind: 'signoff', title: fit(`${row.words} sign-off`, row.line), role };
          (section.rollback ? planned : items).push(item);
          imported += 1;
          report.push({ line: row.line, source: row.words, outcome: 'signoff', became: `signoff item "${item.id}" (role ${role})` });
        }
        continue;
      }
      if (entry.kind === 'code' && section.reference) {
        report.push({ line: entry.block.line, source: `code block in "${section.title}"`, outcome: 'skipped', became: 'nothing: a troubleshooting or reference section, not a step of the deployment' });
        continue;
      }
      if (entry.kind === 'code') {
        const rollback = section.rollback || (entry.block.parent !== undefined && rollbackItems.has(entry.block.parent));
        const out = commandItems(entry.block, { place: place(rollback), underItem: entry.block.parent?.checkbox === true, claimId: (words) => ids.claim(words, 'item'), fit, hasSetImage: () => hasSetImage() || items.some((item) => item.kind === 'step' && item.action === 'set-image') });
        report.push(...out.report);
        for (const item of out.items) {
          if (!room()) continue;
          (rollback ? planned : items).push(item);
          imported += 1;
        }
        continue;
      }
      const { block, label: itemLabel, inSignoffSection, fillIn } = entry;
      if (!block.checkbox || block.hasCheckboxDescendant) continue;
      if (fillIn && !classifySignoff(cleanItem(block), inSignoffSection)) continue;
      if (!room()) continue;
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
      const item: DraftItem = signoff ? { id, kind: 'signoff', title, role: roleFor(signoff.words) } : { id, kind: 'manual', title };
      const rollback = section.rollback || rollbackItems.has(block);
      // A rollback plan is worked through after flightdeck rolled back: nobody approves it.
      const kept: DraftItem = rollback && item.kind === 'signoff' ? { id, kind: 'manual', title } : item;
      (rollback ? planned : items).push(kept);
      imported += 1;
      report.push({ line: block.line, source: own, outcome: outcomeOf(rollback, kept.kind), became: `${kept.kind} item "${id}"${item.kind === 'signoff' ? ` (role ${item.role})` : ''}` });
    }
    rollbackPlan.push(...planned);
    if (items.length === 0) continue;
    const own = section.level === 0 ? (documentTitle?.own ?? 'Checklist') : section.own;
    const title = section.level === 0 ? own : section.title;
    const phase: DraftPhase = { id: ids.claim(own, 'phase'), title: fit(title, section.line), ...(section.after === undefined ? {} : { after: section.after }), items };
    (section.after === undefined ? phases : followUps).push(phase);
  }
  if (leftOut > 0) warnings.push(`only the first ${MAX_IMPORTED_ITEMS} items were imported; ${leftOut} more were left out`);
  report.push(...finishDeploySteps(phases, (words) => ids.claim(words, 'item')));
  return { draft: { description: documentTitle?.own, roles, phases: [...phases, ...followUps], rollbackPlan }, warnings, report };
}
