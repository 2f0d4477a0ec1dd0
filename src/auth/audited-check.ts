import { isFlightdeckError } from '../errors/flightdeck-error.js';
import type { RunStore } from '../run/store/run-store.js';

export interface RefusalContext {
  /** The run the refused request was about; '' when none exists (yet). */
  run?: string;
  actor: string;
  /** What was asked, e.g. `/deploy api v1.4.2 to production`. */
  what: string;
}

/**
 * Runs an authorization check; a `forbidden` refusal goes on the audit stream (`command.refused`) before
 * it is rethrown, so denied requests are on record although they change nothing else.
 *
 * @throws whatever `check` throws, unchanged.
 */
export async function auditedCheck(services: { store: Pick<RunStore, 'auditOnly'>; now: () => number }, context: RefusalContext, check: () => void): Promise<void> {
  try {
    check();
  } catch (err) {
    if (isFlightdeckError(err) && err.code === 'forbidden') {
      await services.store.auditOnly({ run: context.run ?? '', actor: context.actor, action: 'command.refused', detail: `${context.what}: ${err.message}`, at: services.now() });
    }
    throw err;
  }
}
