import { z } from 'zod';
import { DURATION_PATTERN } from './parse-duration.js';

const duration = z.string().regex(DURATION_PATTERN, 'must be a whole number and a unit: ms, s, m, h or d (e.g. 90s, 10m)');

/**
 * How a guard with `watchFor` watches once the run has succeeded, where that differs from during the
 * rollout. Each key left out keeps the guard's own value, except `action`: after success it defaults to
 * `page` (a person decides), and the watch rolls back by itself only when this says `action: rollback`.
 * `above`/`below` replace a prometheus probe's threshold (a steady state may allow less than a rollout).
 */
export const guardAfterSuccessSchema = z.strictObject({
  above: z.number('must be a number').optional(),
  below: z.number('must be a number').optional(),
  for: duration.optional(),
  interval: duration.optional(),
  action: z.enum(['rollback', 'page', 'notify']).default('page'),
});
export type GuardAfterSuccess = z.infer<typeof guardAfterSuccessSchema>;

/** Problems of a guard's watch keys that one key alone cannot show, each with the path below the guard. */
export function watchProblems(guard: { probe: { type: string }; watchFor?: string | undefined; afterSuccess?: GuardAfterSuccess | undefined }): { path: string[]; message: string }[] {
  const after = guard.afterSuccess;
  if (after === undefined) return [];
  const problems: { path: string[]; message: string }[] = [];
  if (guard.watchFor === undefined) {
    problems.push({ path: ['afterSuccess'], message: '`afterSuccess` says how the guard watches after the run succeeded, which it does only with `watchFor` — add `watchFor: 24h` (or how long), or remove `afterSuccess`' });
  }
  const thresholds = (after.above === undefined ? 0 : 1) + (after.below === undefined ? 0 : 1);
  if (thresholds > 0 && guard.probe.type !== 'prometheus') {
    problems.push({ path: ['afterSuccess', after.above === undefined ? 'below' : 'above'], message: `only a prometheus probe has a threshold to replace; this guard's probe is ${guard.probe.type}` });
  } else if (thresholds === 2) {
    problems.push({ path: ['afterSuccess'], message: 'set at most one of `above` or `below`: the threshold that replaces the probe\'s' });
  }
  return problems;
}
