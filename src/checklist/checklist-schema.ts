import { z } from 'zod';
import { DURATION_PATTERN } from './parse-duration.js';

const id = z
  .string()
  .regex(/^[a-z0-9][a-z0-9-]{0,62}$/, 'must be lowercase letters, digits and dashes, starting with a letter or digit');

const duration = z.string().regex(DURATION_PATTERN, 'must be a whole number and a unit: ms, s, m, h or d (e.g. 90s, 10m)');

const title = z.string().min(1, 'must not be empty').max(300, 'must be at most 300 characters');

/** A box a person ticks in Slack. */
export const manualItemSchema = z.strictObject({
  id,
  kind: z.literal('manual'),
  title,
});

/** Patch the service's container image to the requested version (recording the rollback target first). */
export const setImageStepSchema = z.strictObject({
  id,
  kind: z.literal('step'),
  action: z.literal('set-image'),
  title: title.optional(),
});

/** Watch the Deployment until `kubectl rollout status` would call it complete; fail after `timeout`. */
export const waitRolloutStepSchema = z.strictObject({
  id,
  kind: z.literal('step'),
  action: z.literal('wait-rollout'),
  title: title.optional(),
  timeout: duration.default('10m'),
});

export const stepItemSchema = z.discriminatedUnion('action', [setImageStepSchema, waitRolloutStepSchema]);

export const itemSchema = z.discriminatedUnion('kind', [manualItemSchema, stepItemSchema]);

export const phaseSchema = z.strictObject({
  id,
  title,
  items: z.array(itemSchema).min(1, 'a phase needs at least one item'),
});

export const checklistSchema = z
  .strictObject({
    name: id,
    description: z.string().optional(),
    phases: z.array(phaseSchema).min(1, 'a checklist needs at least one phase'),
  })
  .superRefine((checklist, ctx) => {
    const phaseIds = new Set<string>();
    const itemIds = new Set<string>();
    checklist.phases.forEach((phase, p) => {
      if (phaseIds.has(phase.id)) {
        ctx.addIssue({ code: 'custom', path: ['phases', p, 'id'], message: `duplicate phase id "${phase.id}"` });
      }
      phaseIds.add(phase.id);
      phase.items.forEach((item, i) => {
        if (itemIds.has(item.id)) {
          ctx.addIssue({
            code: 'custom',
            path: ['phases', p, 'items', i, 'id'],
            message: `duplicate item id "${item.id}" (item ids must be unique across the checklist)`,
          });
        }
        itemIds.add(item.id);
      });
    });
  });

export type Checklist = z.infer<typeof checklistSchema>;
export type ChecklistPhase = z.infer<typeof phaseSchema>;
export type ChecklistItem = z.infer<typeof itemSchema>;
export type StepItem = z.infer<typeof stepItemSchema>;
