import { z } from 'zod';
import { parseDuration } from '../../checklist/parse-duration.js';
import { readFlags } from './read-flags.js';

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

/** Validates the flags of `flightdeck audit`; `now` turns a duration into a time. Returns them, or every problem. */
export function parseAuditFlags(args: readonly string[], now: number): { flags: AuditFlags } | { problems: string[] } {
  const read = readFlags(args, auditFlagsSchema(now), { command: 'flightdeck audit' });
  if ('problems' in read) return read;
  if (read.positional.length > 0) return { problems: read.positional.map((word) => `"${word}" is not a flag`) };
  return { flags: read.flags };
}
