/** Slack's Block Kit limits for a message (protocols A8). Every view in this folder stays within them. */
export const MAX_BLOCKS = 50;
export const MAX_SECTION_TEXT = 3000;
export const MAX_ACTIONS_PER_BLOCK = 25;
export const MAX_BUTTON_TEXT = 75;
export const MAX_HEADER_TEXT = 150;
export const MAX_CONFIRM_TITLE = 100;
export const MAX_CONFIRM_TEXT = 300;

/** Cuts `text` to `max` characters, marking the cut with an ellipsis. */
export function clip(text: string, max: number): string {
  return text.length > max ? `${text.slice(0, max - 1)}…` : text;
}

/**
 * Packs lines into as few texts as possible, each at most `max` characters; a single line longer than
 * `max` is clipped. Keeps line order.
 */
export function packLines(lines: readonly string[], max: number = MAX_SECTION_TEXT): string[] {
  const texts: string[] = [];
  let current = '';
  for (const raw of lines) {
    const line = clip(raw, max);
    if (current === '') current = line;
    else if (current.length + 1 + line.length <= max) current = `${current}\n${line}`;
    else {
      texts.push(current);
      current = line;
    }
  }
  if (current !== '') texts.push(current);
  return texts;
}

/** `2025-03-01 14:02 UTC`: for moments that may be days away (follow-ups, expiries). */
export function formatDateTime(epochMs: number): string {
  return `${new Date(epochMs).toISOString().slice(0, 16).replace('T', ' ')} UTC`;
}
