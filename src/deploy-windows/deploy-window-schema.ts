import { z } from 'zod';

/*
 * When an environment takes deployments: weekly windows in a time zone, and dated freezes. Part of the
 * catalog (environments.<name>.deployWindows / freezes); rollbacks are never held by either.
 */

export const WEEKDAYS = ['sun', 'mon', 'tue', 'wed', 'thu', 'fri', 'sat'] as const;

const clock = z.string().regex(/^(?:[01]\d|2[0-3]):[0-5]\d$|^24:00$/, 'must be a time of day as HH:MM (00:00–24:00), e.g. 09:30');

function isTimeZone(zone: string): boolean {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: zone });
    return true;
  } catch {
    return false;
  }
}

const timeZone = z.string().refine(isTimeZone, 'must be an IANA time zone such as Europe/Berlin, America/New_York or UTC');

/** Minutes since local midnight. */
export function minutesOf(time: string): number {
  const [hours, minutes] = time.split(':').map(Number);
  return (hours ?? 0) * 60 + (minutes ?? 0);
}

export const windowRangeSchema = z
  .strictObject({
    days: z.array(z.enum(WEEKDAYS, `must be one of ${WEEKDAYS.join(', ')}`)).nonempty('must list at least one day'),
    from: clock,
    to: clock,
  })
  .refine((range) => minutesOf(range.from) < minutesOf(range.to), { message: 'from must be before to (a window ends on the day it starts; split one across midnight into two)', path: ['to'] });

export const deployWindowsSchema = z.strictObject({
  /** The zone the times are read in; daylight saving follows it. */
  timeZone,
  /** Deployments are taken inside any of these ranges only. */
  allow: z.array(windowRangeSchema).nonempty('must list at least one range, or leave deployWindows out so any time is allowed'),
});

/** A date (midnight in the windows' zone, else UTC) or a date and time with a zone or `Z`. */
const instant = z
  .string()
  .regex(/^\d{4}-\d{2}-\d{2}(?:T\d{2}:\d{2}(?::\d{2})?(?:Z|[+-]\d{2}:\d{2}))?$/, 'must be a date (2026-12-20) or a date and time with a zone (2026-12-20T18:00+01:00)');

export const freezeSchema = z
  .strictObject({ from: instant, until: instant, reason: z.string().min(1, 'must say why: everyone it stops reads it').max(300) })
  .refine((freeze) => freeze.from < freeze.until || freeze.from.length !== freeze.until.length, { message: 'until must be after from', path: ['until'] });

export type DeployWindows = z.output<typeof deployWindowsSchema>;
export type CatalogFreeze = z.output<typeof freezeSchema>;
