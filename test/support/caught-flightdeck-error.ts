import { expect } from 'vitest';
import { FlightdeckError } from '../../src/errors/flightdeck-error.js';

/** The error `promise` rejects with, which must be a FlightdeckError (a test about a refusal fails if it resolves). */
export async function caughtFlightdeckError(promise: Promise<unknown>): Promise<FlightdeckError> {
  const err = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(FlightdeckError);
  return err as FlightdeckError;
}
