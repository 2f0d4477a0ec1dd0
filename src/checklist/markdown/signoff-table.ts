import type { TableBlock } from './scan-markdown-blocks.js';

/** A column naming who approves. */
const ROLE_COLUMN = /^(?:role|approver(?:'s)? role|approver|title|function|team|department|area|sign[- ]?off(?: by)?|position)$/i;
/** Columns that are blanks to fill in at approval time: a table with one is a sign-off sheet, not a contact list. */
const SIGNATURE_COLUMN = /^(?:signature|signed|sign[- ]?off|approved|approval|date|date\/time|date & time|initials|status)$/i;

/** One sign-off a table asks for: the role's words and the row's line. */
export interface TableSignoff {
  line: number;
  words: string;
}

/** Cell text without inline emphasis or code marks. */
function plain(cell: string): string {
  return cell
    .replace(/[*_`]/g, '')
    .replace(/\s+/g, ' ')
    .trim();
}

/**
 * The sign-offs of a Role/Name/Date/Signature table, one per row with a role; undefined for any other table
 * (an Emergency Contacts table has a Role column but nothing to sign or date).
 */
export function signoffsOfTable(table: TableBlock): TableSignoff[] | undefined {
  const header = table.header.map(plain);
  const roleColumn = header.findIndex((cell) => ROLE_COLUMN.test(cell));
  if (roleColumn < 0) return undefined;
  if (!header.some((cell, index) => index !== roleColumn && SIGNATURE_COLUMN.test(cell))) return undefined;
  return table.rows.flatMap((row) => {
    const words = plain(row.cells[roleColumn] ?? '');
    return words && !/^[-–—_.…\s]*$/.test(words) ? [{ line: row.line, words }] : [];
  });
}
