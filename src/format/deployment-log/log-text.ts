/** Ids of people mapped to how the log names them; an actor not in it is shown as its id. */
export type PeopleNames = Readonly<Record<string, string>>;

/**
 * A person as the log's Markdown names them: `Alice Example (U0ALICE)` when the name is known, else the id
 * as it is (flightdeck itself, an operator's `--by`). A file shows no Slack mentions, so ids stay readable.
 */
export function personOf(actor: string, people: PeopleNames): string {
  const name = people[actor];
  return name && name !== actor ? `${inline(name)} (${actor})` : inline(actor);
}

/** `2025-03-14 14:02:05 UTC`: a log is read days later, so every moment carries its date and seconds. */
export function logTime(epochMs: number): string {
  return `${new Date(epochMs).toISOString().slice(0, 19).replace('T', ' ')} UTC`;
}

/** `14:02:05`: a moment within the day the log's header dates. */
export function logClock(epochMs: number): string {
  return new Date(epochMs).toISOString().slice(11, 19);
}

/**
 * People's and services' text on one Markdown line: line breaks become spaces and the characters that
 * would start emphasis, a link, code, HTML or a table cell are escaped (a `>` or `#` mid-line is plain text), so a title cannot reshape the log.
 */
export function inline(text: string): string {
  return text.replace(/\s*[\r\n]+\s*/g, ' ').replace(/[\\`*_[\]<|]/g, (char) => `\\${char}`);
}

/**
 * Text as a Markdown code span. Backslash escapes do not work inside one, so a backtick in the text (which
 * would end the span) becomes a `ˋ` and line breaks spaces; everything else shows exactly as it is.
 */
export function code(text: string): string {
  return `\`${text.replace(/\s*[\r\n]+\s*/g, ' ').replaceAll('`', 'ˋ')}\``;
}
