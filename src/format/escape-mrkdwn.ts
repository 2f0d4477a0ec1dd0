/*
 * Text that does not come from the operator's config — workload output (smoke Job logs, probe values and
 * messages, Kubernetes and Prometheus answers) and people's text (lock, pause, abort and cancel reasons) —
 * goes through these before it is put into Slack mrkdwn. Slack reads `<…>` as a mention or link and `&…;`
 * as an entity, so escaping `&`, `<` and `>` (Slack's own three) makes `<!channel>` or `<https://x|Approve>`
 * show as typed; text written by flightdeck around it keeps its own mentions.
 */

/**
 * `text` with `&`, `<` and `>` escaped as Slack asks (`&amp;`, `&lt;`, `&gt;`): it renders as typed. An `&`
 * already starting one of those three entities is left alone, so escaping twice (a fenced log inside an
 * error message escaped as a whole) changes nothing more: the result never holds a `<` either way.
 */
export function escapeMrkdwn(text: string): string {
  return text.replace(/&(?!(?:amp|lt|gt);)/g, '&amp;').replaceAll('<', '&lt;').replaceAll('>', '&gt;');
}

/** A zero-width space: it separates backticks without being seen. */
const ZWSP = '\u200b';

/** Escaped, and no two backticks side by side, so nothing inside can open or close a code span or block. */
function breakBackticks(text: string): string {
  return escapeMrkdwn(text).replace(/`(?=`)/g, `\`${ZWSP}`);
}

/**
 * `lines` as one fenced code block. Lines are escaped, and backtick runs are broken up, so a log line
 * holding ``` cannot close the block and let what follows render as mrkdwn.
 */
export function fenceLog(lines: readonly string[]): string {
  return `\`\`\`\n${lines.map(breakBackticks).join('\n')}\n\`\`\``;
}

/** `text` as inline code that its own backticks cannot end (a probe value, a measured string). */
export function inlineCode(text: string): string {
  return `\`${escapeMrkdwn(text).replaceAll('`', 'ˋ')}\``;
}
