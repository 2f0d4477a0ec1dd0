import type { WatchEnd } from '../../run/core/watch-end-schema.js';

/** How the day-after watch ended, as the thread and the run message say it. Pure. */
export function wordWatchEnd(end: WatchEnd): string {
  switch (end.kind) {
    case 'expired':
      return 'Watch ended: the guards stayed healthy for the whole window';
    case 'superseded':
      return `Watch ended: run #${end.runId} of the same service and environment began, and this release's guards no longer act on it`;
    case 'rolled-back':
      return 'Watch ended: the run is being rolled back';
    case 'breached':
      return `Watch ended: guard ${end.guardId} breached and asked for a rollback`;
  }
}
