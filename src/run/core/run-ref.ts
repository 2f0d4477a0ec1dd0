import type { Run } from './run-schema.js';

/**
 * What names derived from a run use instead of its bare id: `7-3f9c2a1b0d` for a run with a uid, so a
 * later run #7 (a restored or lost Redis starts the counter again) never finds and adopts the first one's
 * smoke Job, PagerDuty incident or queue jobs. A run created before uids existed keeps its bare id, so
 * the objects an older flightdeck made for it mid-run are still found after an upgrade.
 */
export function runRef(run: Pick<Run, 'id' | 'uid'>): string {
  return run.uid === undefined ? run.id : `${run.id}-${run.uid}`;
}
