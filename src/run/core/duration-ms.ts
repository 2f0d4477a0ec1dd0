import { parseDuration } from '../../checklist/parse-duration.js';
import { FlightdeckError } from '../../errors/flightdeck-error.js';

/**
 * A checklist duration in milliseconds.
 *
 * @throws FlightdeckError `checklist-invalid` naming `what` when `text` is not a duration (only possible
 *   when a checklist bypassed its schema).
 */
export function durationMs(text: string, what: string): number {
  const ms = parseDuration(text);
  if (ms === null) {
    throw new FlightdeckError('checklist-invalid', `The ${what} "${text}" is not a duration.`, {
      remedy: 'Use a whole number and a unit, e.g. 90s or 10m.',
    });
  }
  return ms;
}
