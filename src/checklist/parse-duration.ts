const UNIT_MS = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 } as const;

/** Matches the durations checklists accept: a whole number and one unit, e.g. `90s`, `10m`, `24h`. */
export const DURATION_PATTERN = /^(\d+)(ms|s|m|h|d)$/;

/** Parses a checklist duration into milliseconds; returns null for anything else. */
export function parseDuration(text: string): number | null {
  const match = DURATION_PATTERN.exec(text);
  if (!match) return null;
  return Number(match[1]) * UNIT_MS[match[2] as keyof typeof UNIT_MS];
}
