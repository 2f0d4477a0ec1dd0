import { deadlineOf, done, stableOf, type StepExecutor } from './step-context.js';
import { watchRollout } from './watch-rollout.js';

/** Watches the stable Deployment until `kubectl rollout status` would succeed; a re-run simply watches again. */
export const waitRolloutStep: StepExecutor<'wait-rollout'> = async (run, item, context) => {
  const { client, ref } = stableOf(run, context);
  return done(await watchRollout(run, item.id, client, ref, deadlineOf(item, context), context));
};
