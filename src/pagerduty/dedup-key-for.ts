import { createHash } from 'node:crypto';
import { FlightdeckError } from '../errors/flightdeck-error.js';

/** PagerDuty's limit on `dedup_key`. */
const MAX_DEDUP_KEY = 255;

/**
 * The dedup key for a guard's alert in a run. It depends on nothing but its inputs, so a retried trigger (after a
 * crash, a timeout or a 429) lands on the same PagerDuty incident instead of opening a second one, and the later
 * acknowledge and resolve find it. Both parts are URI-encoded so `a/b`+`c` and `a`+`b/c` cannot collide; a key
 * longer than PagerDuty's 255 characters becomes a SHA-256 of the same text, still stable.
 *
 * @throws FlightdeckError `internal` when either part is empty: a caller bug, not an operator mistake.
 */
export function dedupKeyFor(runId: string, guardId: string): string {
  if (runId === '' || guardId === '') {
    throw new FlightdeckError('internal', `dedupKeyFor needs a run id and a guard id (got run "${runId}", guard "${guardId}")`);
  }
  const key = `flightdeck/${encodeURIComponent(runId)}/${encodeURIComponent(guardId)}`;
  if (key.length <= MAX_DEDUP_KEY) return key;
  return `flightdeck/sha256/${createHash('sha256').update(key).digest('hex')}`;
}
