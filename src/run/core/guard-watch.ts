/*
 * The day-after watch: guards with `watchFor` keep watching a succeeded run, with their `afterSuccess`
 * settings, until the window passes, a newer run of the target exists, or the run is rolled back. Pure.
 */
import type { Checklist } from '../../checklist/checklist-schema.js';
import type { ProbeSpec } from '../../probes/probe-types.js';
import { durationMs } from './duration-ms.js';
import { FLIGHTDECK_ACTOR } from './run-event.js';
import { record, type RunDraft } from './run-draft.js';
import type { Run, RunGuard } from './run-schema.js';
import type { WatchEnd } from './watch-end-schema.js';

type ChecklistGuard = Checklist['guards'][number];

/** A checklist guard's watch as the run stores it, or undefined without `watchFor`. */
export function toGuardWatch(guard: ChecklistGuard): RunGuard['watch'] {
  if (guard.watchFor === undefined) return undefined;
  const after = guard.afterSuccess;
  return {
    windowMs: durationMs(guard.watchFor, `guard "${guard.id}" watchFor`),
    probe: withThreshold(guard.probe, after?.above, after?.below),
    forMs: durationMs(after?.for ?? guard.for, `guard "${guard.id}" afterSuccess.for`),
    intervalMs: durationMs(after?.interval ?? guard.interval, `guard "${guard.id}" afterSuccess.interval`),
    action: after?.action ?? 'page',
  };
}

/** A prometheus probe with its threshold replaced by `above` or `below` when one is given; any other probe as is. */
function withThreshold(probe: ProbeSpec, above: number | undefined, below: number | undefined): ProbeSpec {
  if (probe.type !== 'prometheus' || (above === undefined && below === undefined)) return probe;
  const { above: _above, below: _below, ...rest } = probe;
  return above === undefined ? { ...rest, below } : { ...rest, above };
}

/** Whether the run's watch is open: it succeeded, began a watch, and nothing ended it yet (the window may have passed). */
export function watchOpen(run: Run): boolean {
  return run.state === 'succeeded' && run.watch !== undefined && run.watch.end === undefined;
}

/** The guards the open watch evaluates at `now`: those with a watch whose own window has not passed. */
export function watchedGuards(run: Run, now: number): RunGuard[] {
  if (!watchOpen(run) || run.watch === undefined) return [];
  const startedAt = run.watch.startedAt;
  return run.guards.flatMap((guard) => (guard.watch && now < startedAt + guard.watch.windowMs ? [asWatched(guard)] : []));
}

/** The guard as the watch evaluates it: its watch's probe, window, interval and action in place of its own. */
function asWatched(guard: RunGuard): RunGuard {
  const { watch, ...rest } = guard;
  if (!watch) return guard;
  return { ...rest, watch, probe: watch.probe, forMs: watch.forMs, intervalMs: watch.intervalMs, action: watch.action };
}

/**
 * On success: guards that watched the rollout and have `watchFor` go on watching until the longest window
 * passes. Their rollout assessment and breach are cleared, since the watch judges by its own settings.
 */
export function beginWatch(draft: RunDraft): void {
  const { run } = draft;
  const watched = run.guards.filter((guard) => guard.watch !== undefined);
  if (run.guardsStartedAt === undefined || watched.length === 0 || run.watch !== undefined) return;
  const until = draft.now + Math.max(...watched.map((guard) => guard.watch!.windowMs));
  run.watch = { startedAt: draft.now, until };
  for (const guard of watched) {
    delete guard.assessment;
    delete guard.breachedAt;
  }
  record(draft, FLIGHTDECK_ACTOR, 'watch.started', `${watched.map((guard) => guard.id).join(', ')} until ${new Date(until).toISOString()}`);
  draft.effects.push({ type: 'thread', note: { kind: 'watch-started', until, guards: watched.map((guard) => guard.title) } });
  draft.effects.push({ type: 'schedule-watch-end', at: until });
}

/** Ends an open watch for `end`, audited and told in the thread; does nothing when no watch is open. */
export function endWatch(draft: RunDraft, end: WatchEnd): boolean {
  const { run } = draft;
  if (run.watch === undefined || run.watch.end !== undefined) return false;
  run.watch = { ...run.watch, end, endedAt: draft.now };
  record(draft, FLIGHTDECK_ACTOR, 'watch.ended', end.kind === 'superseded' ? `superseded by run ${end.runId}` : end.kind === 'breached' ? `breached: ${end.guardId}` : end.kind);
  draft.effects.push({ type: 'thread', note: { kind: 'watch-ended', end } });
  return true;
}
