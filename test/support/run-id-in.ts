/** The run number a reply names (`Run #12` → `'12'`); throws with the whole text when it names none. */
export function runIdIn(text: string): string {
  const match = /Run #(\d+)/.exec(text);
  if (!match) throw new Error(`no run number in: ${text}`);
  return match[1]!;
}
