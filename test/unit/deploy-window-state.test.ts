import { describe, expect, it } from 'vitest';
import { deployWindowsSchema, freezeSchema } from '../../src/deploy-windows/deploy-window-schema.js';
import { catalogFreezes, inWindow, instantOf, windowStateAt } from '../../src/deploy-windows/window-state.js';

const berlin = deployWindowsSchema.parse({ timeZone: 'Europe/Berlin', allow: [{ days: ['mon', 'tue', 'wed', 'thu'], from: '09:00', to: '16:00' }] });
const at = (iso: string) => Date.parse(iso);

describe('deploy windows', () => {
  it('read the time on the zone’s own clocks, summer and winter', () => {
    // Tuesday 2026-12-08: Berlin is UTC+1, so 08:00Z is 09:00 there and 15:00Z is 16:00 (closed).
    expect(inWindow(berlin, at('2026-12-08T07:59:00Z'))).toBe(false);
    expect(inWindow(berlin, at('2026-12-08T08:00:00Z'))).toBe(true);
    expect(inWindow(berlin, at('2026-12-08T14:59:00Z'))).toBe(true);
    expect(inWindow(berlin, at('2026-12-08T15:00:00Z'))).toBe(false);
    // Tuesday 2026-07-07: UTC+2, so 07:00Z is already 09:00.
    expect(inWindow(berlin, at('2026-07-07T07:00:00Z'))).toBe(true);
    expect(inWindow(berlin, at('2026-07-07T06:59:00Z'))).toBe(false);
    // Friday is not listed.
    expect(inWindow(berlin, at('2026-12-11T10:00:00Z'))).toBe(false);
  });

  it('say when the next window opens: Friday afternoon waits for Monday 09:00 Berlin', () => {
    const state = windowStateAt(berlin, [], at('2026-12-11T13:00:00Z'));
    expect(state).toEqual({ open: false, kind: 'outside-window', opensAt: at('2026-12-14T08:00:00Z'), timeZone: 'Europe/Berlin' });
    expect(windowStateAt(berlin, [], at('2026-12-14T08:30:00Z'))).toEqual({ open: true });
    expect(windowStateAt(undefined, [], at('2026-12-11T13:00:00Z'))).toEqual({ open: true });
  });

  it('hold every deployment in a freeze, and open at the first window after it', () => {
    const freezes = catalogFreezes([freezeSchema.parse({ from: '2026-12-21', until: '2027-01-04', reason: 'Year-end freeze' })], 'Europe/Berlin');
    expect(freezes[0]).toMatchObject({ from: at('2026-12-20T23:00:00Z'), until: at('2027-01-03T23:00:00Z') });
    const state = windowStateAt(berlin, freezes, at('2026-12-22T10:00:00Z'));
    // The freeze ends Sunday midnight Berlin; Monday 2027-01-04 09:00 Berlin is the first window.
    expect(state).toEqual({ open: false, kind: 'frozen', freeze: { ...freezes[0], reason: 'Year-end freeze' }, opensAt: at('2027-01-04T08:00:00Z') });
    // Without windows a freeze alone opens at its end.
    expect(windowStateAt(undefined, freezes, at('2026-12-22T10:00:00Z'))).toMatchObject({ kind: 'frozen', opensAt: at('2027-01-03T23:00:00Z') });
    expect(windowStateAt(undefined, freezes, at('2027-01-03T23:00:00Z'))).toEqual({ open: true });
  });

  it('place a bare date at the midnight that starts it, on days daylight saving changes too', () => {
    expect(instantOf('2026-03-29', 'Europe/Berlin')).toBe(at('2026-03-28T23:00:00Z'));
    expect(instantOf('2026-03-30', 'Europe/Berlin')).toBe(at('2026-03-29T22:00:00Z'));
    expect(instantOf('2026-11-01', 'America/New_York')).toBe(at('2026-11-01T04:00:00Z'));
    expect(instantOf('2026-11-02', 'America/New_York')).toBe(at('2026-11-02T05:00:00Z'));
    expect(instantOf('2026-12-24T18:00+01:00', 'UTC')).toBe(at('2026-12-24T17:00:00Z'));
  });

  it('report no opening when none comes within 60 days', () => {
    const never = deployWindowsSchema.parse({ timeZone: 'UTC', allow: [{ days: ['mon'], from: '09:00', to: '10:00' }] });
    const frozen = [{ from: 0, until: at('2027-06-01T00:00:00Z'), reason: 'migration', by: 'U1' }];
    expect(windowStateAt(never, frozen, at('2026-12-08T00:00:00Z'))).toMatchObject({ kind: 'frozen', opensAt: undefined });
  });

  it('are refused with what is wrong when malformed', () => {
    const problems = (value: unknown) => deployWindowsSchema.safeParse(value).error?.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`);
    expect(problems({ timeZone: 'Mars/Olympus', allow: [{ days: ['mon'], from: '09:00', to: '10:00' }] })).toEqual(['timeZone: must be an IANA time zone such as Europe/Berlin, America/New_York or UTC']);
    expect(problems({ timeZone: 'UTC', allow: [{ days: ['monday'], from: '9:00', to: '08:00' }] })).toEqual([
      'allow.0.days.0: must be one of sun, mon, tue, wed, thu, fri, sat',
      'allow.0.from: must be a time of day as HH:MM (00:00–24:00), e.g. 09:30',
    ]);
    expect(problems({ timeZone: 'UTC', allow: [{ days: ['mon'], from: '18:00', to: '08:00' }] })).toEqual([
      'allow.0.to: from must be before to (a window ends on the day it starts; split one across midnight into two)',
    ]);
    expect(freezeSchema.safeParse({ from: '2026-12-24', until: '2026-12-20', reason: 'x' }).error?.issues[0]?.message).toBe('until must be after from');
  });
});
