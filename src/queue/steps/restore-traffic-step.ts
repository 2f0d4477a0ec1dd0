import { returnTrafficToStable } from './return-traffic-to-stable.js';
import { assertHoldsLock, done, stableOf, type StepExecutor } from './step-context.js';

/** First step of a rollback of a canary run: all traffic back to stable, the canary scaled to zero. */
export const restoreTrafficStep: StepExecutor<'restore-traffic'> = async (run, _item, context) => {
  const { client } = stableOf(run, context);
  await assertHoldsLock(run, context);
  return done(await returnTrafficToStable(run, client));
};
