import type { Checklist } from './checklist-schema.js';
import type { GuardAfterSuccess } from './guard-watch-schema.js';
import { parseDuration } from './parse-duration.js';

/**
 * The checklist with every wait longer than `capMs` shortened to it: bake `duration`, blue-green
 * `scaleDownDelay`, follow-up `after`, guard `for`, `interval` and `watchFor` (and those of its
 * `afterSuccess`), check `interval`. Timeouts and sign-off expiries stay as written: they bound how long
 * something may take, and shortening them would make a rehearsal fail where production would not.
 * Order is kept (a 5m bake still comes before a 10m one in time), so a rehearsal walks the real path.
 */
export function capDurations(checklist: Checklist, capMs: number): Checklist {
  const cap = (text: string): string => ((parseDuration(text) ?? 0) > capMs ? `${capMs}ms` : text);
  return {
    ...checklist,
    phases: checklist.phases.map((phase) => ({
      ...phase,
      ...(phase.after === undefined ? {} : { after: cap(phase.after) }),
      items: phase.items.map((item) => {
        if (item.kind === 'check') return { ...item, interval: cap(item.interval) };
        if (item.kind === 'step' && item.action === 'bake') return { ...item, duration: cap(item.duration) };
        if (item.kind === 'step' && item.action === 'scale-down') return { ...item, scaleDownDelay: cap(item.scaleDownDelay) };
        return item;
      }),
    })),
    guards: checklist.guards.map((guard) => ({
      ...guard,
      for: cap(guard.for),
      interval: cap(guard.interval),
      ...(guard.watchFor === undefined ? {} : { watchFor: cap(guard.watchFor) }),
      ...(guard.afterSuccess === undefined ? {} : { afterSuccess: capAfterSuccess(guard.afterSuccess, cap) }),
    })),
  };
}

function capAfterSuccess(after: GuardAfterSuccess, cap: (text: string) => string): GuardAfterSuccess {
  return { ...after, ...(after.for === undefined ? {} : { for: cap(after.for) }), ...(after.interval === undefined ? {} : { interval: cap(after.interval) }) };
}
