import type { StepExecutor } from './step-context.js';

/**
 * Lets the release bake while the guards watch. The end is counted from the step's start, so a worker
 * restart does not lengthen it, and the worker hands the job back until then instead of holding a slot.
 */
export const bakeStep: StepExecutor<'bake'> = async (_run, item, context) => {
  const wakeAt = (item.startedAt ?? context.now()) + item.durationMs;
  if (context.now() >= wakeAt) return { done: true, detail: `baked for ${Math.round(item.durationMs / 1000)}s` };
  return { done: false, wakeAt, detail: `baking until ${new Date(wakeAt).toISOString().slice(11, 19)} UTC` };
};
