import { randomUUID } from 'node:crypto';
import type { Logger } from '../../observability/create-logger.js';
import type { ReconcileIndex } from '../../run/store/reconcile-index.js';

/** The share of the interval the pass is held for after it starts: the holder's own next tick always finds it free. */
const HOLD_SHARE = 0.9;

/**
 * Makes the reconcile pass every worker process starts on its timer run once at a time across the fleet, about
 * once per `everyMs` however many worker processes there are. A pass re-enqueues a render for every message
 * behind its run, and one ahead of its channel's line for every message past the lag bound: two processes'
 * passes (or a slow pass and the next tick of the same process) judged the same runs from reads up to a pass
 * old, doubled those jobs and sent renders ahead of the line for changes that had just been shown, each an edit
 * that pushed the channel's other messages back.
 *
 * The process that starts a pass holds it for {@link HOLD_SHARE} of `everyMs`, renewed while the pass runs, and
 * lets it lapse after: the next pass starts between 0.9 and 1 interval after the last one started (at the latest
 * on the holder's own next tick), and a process that dies mid-pass frees it within that time. Resolves to
 * whether this call ran the pass.
 */
export function fleetReconcilePass(reconciles: Pick<ReconcileIndex, 'holdPass'>, everyMs: number, logger: Logger, pass: () => Promise<unknown>): () => Promise<boolean> {
  const owner = randomUUID();
  const holdMs = Math.max(1, Math.floor(everyMs * HOLD_SHARE));
  let running = false;
  return async () => {
    // Marked before asking Redis: the holder's own two ticks would both be let in (it renews for itself).
    if (running) return false;
    running = true;
    try {
      if (!(await reconciles.holdPass(owner, holdMs))) return false;
      const renewal = setInterval(() => {
        reconciles.holdPass(owner, holdMs).catch((err: unknown) => logger.warn({ err }, 'could not renew the reconcile pass'));
      }, Math.max(1, Math.floor(holdMs / 3)));
      try {
        await pass();
        return true;
      } finally {
        clearInterval(renewal);
      }
    } finally {
      running = false;
    }
  };
}
