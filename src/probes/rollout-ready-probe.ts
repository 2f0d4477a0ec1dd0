import { measureWithDeadline, type Verdict } from './measure-with-deadline.js';
import type { ProbeProvider } from './probe-provider.js';
import type { RolloutReadyProbeSpec } from './probe-types.js';

/**
 * Asks `ctx.target` for kubectl's rollout verdict on the run's target Deployment. `successful` when the
 * rollout is done; `failed` while it is still progressing or has failed (kubectl's wording is the
 * message); `error` when the run has no target or reading it fails.
 */
export const rolloutReadyProbe: ProbeProvider<RolloutReadyProbeSpec> = {
  type: 'rollout-ready',
  measure(_spec, ctx) {
    return measureWithDeadline(ctx, 'rollout', async (signal): Promise<Verdict> => {
      if (ctx.target === undefined) return { outcome: 'error', message: 'rollout: this run has no target Deployment to read' };
      const status = await ctx.target.readRollout(signal);
      return { outcome: status.done ? 'successful' : 'failed', message: `rollout: ${status.message}` };
    });
  },
};
