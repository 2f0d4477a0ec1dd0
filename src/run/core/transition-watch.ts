import { endWatch, watchOpen } from './guard-watch.js';
import type { RunEvent } from './run-event.js';
import type { NextState, RunDraft } from './run-draft.js';

/**
 * The day-after watch ends: its window has passed, or a newer run of the target began. Changes nothing
 * when no watch is open (ended already, rolled back, or the run never watched), or for `expired` before
 * the window's end (a delayed job that fired early).
 */
export function applyWatchEnded(draft: RunDraft, event: Extract<RunEvent, { type: 'watch-ended' }>): NextState {
  const { run } = draft;
  if (!watchOpen(run) || run.watch === undefined) return null;
  if (event.end.kind === 'expired' && draft.now < run.watch.until) return null;
  endWatch(draft, event.end);
  return run.state;
}
