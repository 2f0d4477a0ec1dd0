import { isFlightdeckError } from './flightdeck-error.js';

/**
 * The one place where an error becomes text a person reads in Slack. Coded errors carry a specific
 * message and remedy; anything else is a bug or an outage, so the reader gets a reference to the logs
 * instead of a stack trace.
 */
export function toUserText(err: unknown, reference?: string): string {
  if (isFlightdeckError(err)) {
    return err.remedy ? `${err.message}\n${err.remedy}` : err.message;
  }
  const ref = reference ? ` (reference: ${reference})` : '';
  return `flightdeck hit an internal error and changed nothing${ref}. The operators can find it in flightdeck's logs.`;
}
