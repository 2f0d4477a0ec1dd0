import { stringify, parse } from 'yaml';
import { FlightdeckError } from '../errors/flightdeck-error.js';
import { checklistSchema } from './checklist-schema.js';
import { buildChecklistDraft, MAX_IMPORTED_ITEMS } from './markdown/build-checklist-draft.js';
import type { ImportReportLine } from './markdown/checklist-draft.js';
import { slugify } from './markdown/create-id-registry.js';
import { decodeMarkdownText } from './markdown/decode-markdown-text.js';
import { scanMarkdownBlocks } from './markdown/scan-markdown-blocks.js';

const CHECKLIST_NAME = /^[a-z0-9][a-z0-9-]{0,62}$/;
/** Beyond this many, warnings are summarised; a pathological file should not bury the useful ones. */
const MAX_WARNINGS = 50;

export interface ImportMarkdownOptions {
  /** The checklist's `name`: lowercase letters, digits and dashes; see {@link checklistNameFromPath}. */
  name: string;
}

export interface ImportedChecklist {
  /** Checklist YAML that `checklistSchema` accepts. */
  yaml: string;
  /** What was changed or left out on the way (repaired encoding, cut titles, capped items), one line each. */
  warnings: string[];
  /** What each task box, sign-off row and command became, in document order (`import-checklist --report`). */
  report: ImportReportLine[];
}

/** The default checklist name for a file: its base name without extension, as an id ("imported-checklist" if none). */
export function checklistNameFromPath(file: string): string {
  const base = file.split(/[\\/]/).at(-1) ?? '';
  return slugify(base.replace(/\.[^.]*$/, ''), 63) || 'imported-checklist';
}

function capWarnings(warnings: string[]): string[] {
  if (warnings.length <= MAX_WARNINGS) return warnings;
  return [...warnings.slice(0, MAX_WARNINGS), `… and ${warnings.length - MAX_WARNINGS} more warning(s)`];
}

/**
 * Converts a Markdown checklist into flightdeck checklist YAML: headings become phases, task-box items
 * (`- [ ]`, `* [x]`, `1. [ ]`) become manual items with their wording, sign-off lines and Role/…/Signature
 * tables become signoff items whose roles are declared under `roles:`, nested items carry their parents'
 * words, shell commands become steps and checks where recognised (see buildChecklistDraft), follow-up
 * sections become phases with `after`, rollback sections the `rollbackPlan`, and prose is skipped. Odd encodings are decoded or repaired (see decodeMarkdownText). At most
 * {@link MAX_IMPORTED_ITEMS} items are imported. The YAML is validated against `checklistSchema` before
 * it is returned.
 *
 * @throws FlightdeckError `usage` when `options.name` is not a valid checklist name; `checklist-invalid`
 *   for input that cannot become a checklist: empty or blank, binary, over 5 MB, or without any task-box
 *   items outside code blocks and tables.
 */
export function importMarkdownChecklist(input: Buffer | string, options: ImportMarkdownOptions): ImportedChecklist {
  if (!CHECKLIST_NAME.test(options.name)) {
    throw new FlightdeckError('usage', `checklist name "${options.name}" is not valid: it must be 1–63 lowercase letters, digits and dashes, starting with a letter or digit`, {
      remedy: 'pass a name such as "production" (import-checklist --name production file.md)',
    });
  }
  const decoded = decodeMarkdownText(input);
  if (decoded.text.trim() === '') {
    throw new FlightdeckError('checklist-invalid', 'the Markdown is empty: there is nothing to import', {
      remedy: 'pass a Markdown file with task items such as "- [ ] Database backed up"',
    });
  }
  const scan = scanMarkdownBlocks(decoded.text);
  const { draft, warnings, report } = buildChecklistDraft(scan.blocks);
  if (draft.phases.length === 0) {
    throw new FlightdeckError('checklist-invalid', 'the Markdown has no checklist items: no "- [ ]" or "- [x]" lines outside code blocks and tables', {
      remedy: 'write each check as a task item, e.g. "- [ ] Database backed up", under a heading per phase',
    });
  }

  const checklist = {
    name: options.name,
    ...(draft.description ? { description: draft.description } : {}),
    ...(Object.keys(draft.roles).length > 0 ? { roles: draft.roles } : {}),
    phases: draft.phases,
    ...(draft.rollbackPlan.length > 0 ? { rollbackPlan: draft.rollbackPlan } : {}),
  };
  const yaml = stringify(checklist, { lineWidth: 0 });
  const result = checklistSchema.safeParse(parse(yaml));
  if (!result.success) {
    const problems = result.error.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`).join('; ');
    throw new FlightdeckError('checklist-invalid', `the imported checklist does not pass validation (${problems})`, {
      remedy: 'report this Markdown file to the flightdeck maintainers; meanwhile edit the YAML by hand',
    });
  }
  return { yaml, warnings: capWarnings([...decoded.warnings, ...scan.warnings, ...warnings]), report };
}
