/** Formats an epoch-ms instant as `HH:MM UTC`, the form messages use for "who did what when". */
export function formatUtcTime(epochMs: number): string {
  const date = new Date(epochMs);
  const hh = String(date.getUTCHours()).padStart(2, '0');
  const mm = String(date.getUTCMinutes()).padStart(2, '0');
  return `${hh}:${mm} UTC`;
}
