import { type CatalogFreeze, type DeployWindows, minutesOf, type WEEKDAYS } from './deploy-window-schema.js';

/** A freeze in effect: from the catalog, or declared with `/deploy freeze` (then with who and a run-time end). */
export interface ActiveFreeze {
  from: number;
  until: number;
  reason: string;
  /** Who declared it with `/deploy freeze`; absent for the catalog's. */
  by?: string;
}

/** Whether deployments are taken now, and if not, why and when they will be. */
export type WindowState =
  | { open: true }
  | { open: false; kind: 'frozen'; freeze: ActiveFreeze; opensAt: number | undefined }
  | { open: false; kind: 'outside-window'; opensAt: number | undefined; timeZone: string };

const MINUTE = 60_000;
/** How far ahead the next opening is looked for; a window that never opens within it is reported as unknown. */
const LOOKAHEAD_MS = 60 * 24 * 60 * MINUTE;

const formatters = new Map<string, Intl.DateTimeFormat>();
function formatterFor(timeZone: string): Intl.DateTimeFormat {
  let formatter = formatters.get(timeZone);
  if (!formatter) {
    formatter = new Intl.DateTimeFormat('en-US', { timeZone, weekday: 'short', hour: '2-digit', minute: '2-digit', hourCycle: 'h23' });
    formatters.set(timeZone, formatter);
  }
  return formatter;
}

/** The weekday and minute of the day at `at` on the wall clocks of `timeZone`. */
function wallClock(at: number, timeZone: string): { day: (typeof WEEKDAYS)[number]; minute: number } {
  const parts = formatterFor(timeZone).formatToParts(at);
  const get = (type: string) => parts.find((part) => part.type === type)?.value ?? '';
  const day = get('weekday').slice(0, 3).toLowerCase() as (typeof WEEKDAYS)[number];
  return { day, minute: Number(get('hour')) * 60 + Number(get('minute')) };
}

/** Whether `at` falls in one of the windows' ranges (from inclusive, to exclusive). */
export function inWindow(windows: DeployWindows, at: number): boolean {
  const { day, minute } = wallClock(at, windows.timeZone);
  return windows.allow.some((range) => range.days.includes(day) && minutesOf(range.from) <= minute && minute < minutesOf(range.to));
}

const dateFormatters = new Map<string, Intl.DateTimeFormat>();

/** How far the wall clocks of `timeZone` are ahead of UTC at `at`, in ms. */
function offsetAt(at: number, timeZone: string): number {
  let formatter = dateFormatters.get(timeZone);
  if (!formatter) {
    formatter = new Intl.DateTimeFormat('en-US', { timeZone, year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', second: '2-digit', hourCycle: 'h23' });
    dateFormatters.set(timeZone, formatter);
  }
  const parts = Object.fromEntries(formatter.formatToParts(at).map((part) => [part.type, Number(part.value)]));
  const wallAsUtc = Date.UTC(parts.year ?? 1970, (parts.month ?? 1) - 1, parts.day ?? 1, parts.hour ?? 0, parts.minute ?? 0, parts.second ?? 0);
  return wallAsUtc - Math.floor(at / 1000) * 1000;
}

/** The epoch ms of a catalog instant: a bare date is the midnight that starts it in `timeZone`. */
export function instantOf(text: string, timeZone: string): number {
  if (text.includes('T')) return Date.parse(text);
  const wall = Date.parse(`${text}T00:00:00Z`);
  // The offset at the guess, then at the corrected guess: right on the days daylight saving changes too.
  const first = wall - offsetAt(wall, timeZone);
  return wall - offsetAt(first, timeZone);
}

/** The catalog's freezes as instants, read in the windows' zone (UTC without windows). */
export function catalogFreezes(freezes: readonly CatalogFreeze[] | undefined, timeZone: string): ActiveFreeze[] {
  return (freezes ?? []).map((freeze) => ({ from: instantOf(freeze.from, timeZone), until: instantOf(freeze.until, timeZone), reason: freeze.reason }));
}

/**
 * Whether a deployment may start at `now` given the environment's windows (undefined: always) and freezes.
 * When not, says why and the first minute at or after `now` when it may (undefined when none in 60 days).
 * Pure: the clock is a parameter.
 */
export function windowStateAt(windows: DeployWindows | undefined, freezes: readonly ActiveFreeze[], now: number): WindowState {
  const frozenAt = (at: number) => freezes.find((freeze) => freeze.from <= at && at < freeze.until);
  const freeze = frozenAt(now);
  const open = (at: number) => !frozenAt(at) && (!windows || inWindow(windows, at));
  if (!freeze && (!windows || inWindow(windows, now))) return { open: true };
  const opensAt = nextOpening(now, open, frozenAt);
  if (freeze) return { open: false, kind: 'frozen', freeze, opensAt };
  return { open: false, kind: 'outside-window', opensAt, timeZone: windows?.timeZone ?? 'UTC' };
}

/** The first whole minute after `now` at which `open` holds, jumping past freezes rather than walking through them. */
function nextOpening(now: number, open: (at: number) => boolean, frozenAt: (at: number) => ActiveFreeze | undefined): number | undefined {
  let at = Math.ceil((now + 1) / MINUTE) * MINUTE;
  const end = now + LOOKAHEAD_MS;
  while (at <= end) {
    const freeze = frozenAt(at);
    if (freeze) {
      at = Math.ceil(freeze.until / MINUTE) * MINUTE;
      continue;
    }
    if (open(at)) return at;
    at += MINUTE;
  }
  return undefined;
}
