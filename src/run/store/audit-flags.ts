import { z } from 'zod';
import { parseDuration } from '../../checklist/parse-duration.js';

export const AUDIT_USAGE = 'Usage: flightdeck audit [--since <ISO time|duration, e.g. 2026-12-01 or 7d>] [--service <name>] [--format jsonl|csv]';

/** An ISO 8601 date, or date and time with an optional zone (UTC when none is given). */
const ISO_TIME = /^\d{4}-\d{2}-\d{2}(?:[T ]\d{2}:\d{2}(?::\d{2}(?:\.\d{1,3})?)?(?:Z|[+-]\d{2}:?\d{2})?)?$/;

function sinceField(now: number) {
  return z
    .string()
    .optional()
    .transform((text, ctx) => {
      if (text === undefined) return undefined;
      const duration = parseDuration(text);
      if (duration !== null) return now - duration;
      if (ISO_TIME.test(text)) {
        // A time without a zone is read as UTC, like the dates of the day archives.
        const zoned = /[T ]\d{2}:\d{2}/.test(text) && !/(?:Z|[+-]\d{2}:?\d{2})$/.test(text) ? `${text.replace(' ', 'T')}Z` : text.replace(' ', 'T');
        const ms = Date.parse(zoned);
        if (!Number.isNaN(ms)) return ms;
      }
      ctx.addIssue({ code: 'custom', message: `"${text}" is neither an ISO time (2026-12-01, 2026-12-01T09:30Z) nor a duration (90m, 24h, 7d)` });
      return z.NEVER;
    });
}

function auditFlagsSchema(now: number) {
  return z
    .object({
      since: sinceField(now),
      service: z
        .string()
        .regex(/^[A-Za-z0-9][A-Za-z0-9._-]*$/, 'a service name is letters, digits, ".", "_" and "-", as in the catalog')
        .optional(),
      format: z.enum(['jsonl', 'csv'], { error: (issue) => `"${String(issue.input)}" is not a format: use jsonl or csv` }).default('jsonl'),
    })
    .strict();
}
export type AuditFlags = z.infer<ReturnType<typeof auditFlagsSchema>>;

/**
 * Reads `--name value` / `--name=value` pairs and validates them; `now` turns a duration into a time.
 * Returns the flags, or every problem in one line each.
 */
export function parseAuditFlags(args: readonly string[], now: number): { flags: AuditFlags } | { problems: string[] } {
  const raw: Record<string, string> = {};
  const problems: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const match = /^--([a-z-]+)(?:=(.*))?$/.exec(args[i]!);
    if (!match) {
      problems.push(`"${args[i]}" is not a flag`);
      continue;
    }
    const value = match[2] ?? args[i + 1];
    if (match[2] === undefined) i++;
    if (value === undefined || (match[2] === undefined && value.startsWith('--'))) {
      problems.push(`--${match[1]} needs a value`);
      if (value?.startsWith('--')) i--;
      continue;
    }
    if (match[1]! in raw) problems.push(`--${match[1]} is given twice`);
    raw[match[1]!] = value;
  }
  const parsed = auditFlagsSchema(now).safeParse(raw);
  if (!parsed.success) {
    for (const issue of parsed.error.issues) {
      if (issue.code === 'unrecognized_keys') problems.push(...issue.keys.map((key) => `--${key} is not a flag of flightdeck audit`));
      else problems.push(`--${issue.path.join('.')}: ${issue.message}`);
    }
  }
  return problems.length > 0 || !parsed.success ? { problems } : { flags: parsed.data };
}
