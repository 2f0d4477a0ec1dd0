import { parseDuration } from '../../checklist/parse-duration.js';
import { catalogued } from '../../errors/error-catalogue.js';

/**
 * A checklist duration in milliseconds.
 *
 * @throws FlightdeckError `checklist-invalid` naming `what` when `text` is not a duration (only possible
 *   when a checklist bypassed its schema).
 */
export function durationMs(text: string, what: string): number {
  const ms = parseDuration(text);
  if (ms === null) {
    throw catalogued('checklist-duration-invalid', { what, text });
  }
  return ms;
}
