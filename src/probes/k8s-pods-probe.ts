import { measureWithDeadline, type Verdict } from './measure-with-deadline.js';
import type { ProbeProvider } from './probe-provider.js';
import type { K8sPodsProbeSpec } from './probe-types.js';

/**
 * Judges the pods of the run's target Deployment through `ctx.target`. The value is the number of ready
 * pods. `failed` when fewer than `minReady` are ready or a pod restarted more than `maxRestarts` times;
 * `error` when the run has no target or reading the pods fails.
 */
export const k8sPodsProbe: ProbeProvider<K8sPodsProbeSpec> = {
  type: 'k8s-pods',
  measure(spec, ctx) {
    return measureWithDeadline(ctx, 'k8s pods', async (signal): Promise<Verdict> => {
      if (ctx.target === undefined) return { outcome: 'error', message: 'k8s pods: this run has no target Deployment to read' };
      const pods = await ctx.target.readPods(signal);
      const ready = pods.filter((p) => p.ready).length;
      const seen = `k8s pods: ${ready} of ${pods.length} ready`;
      if (ready < spec.minReady) return { outcome: 'failed', value: ready, message: `${seen}, fewer than the ${spec.minReady} required` };
      const { maxRestarts } = spec;
      if (maxRestarts !== undefined) {
        const restarting = pods.filter((p) => p.restarts > maxRestarts);
        if (restarting.length > 0) {
          const names = restarting.map((p) => `${p.name} (${p.restarts})`).join(', ');
          return { outcome: 'failed', value: ready, message: `${seen}; restarted more than ${maxRestarts} times: ${names}` };
        }
      }
      return { outcome: 'successful', value: ready, message: seen };
    });
  },
};
