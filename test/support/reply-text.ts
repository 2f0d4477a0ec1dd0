/** The text of a slash command's or action's acknowledgement: its JSON `text`, else the raw body. */
export function replyText(response: { json?: unknown; body: string }): string {
  return (response.json as { text?: string } | undefined)?.text ?? response.body;
}
