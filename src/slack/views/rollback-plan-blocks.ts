import type { KnownBlock } from '@slack/types';
import { jobRollbackPlan } from '../../run/core/job-reverts.js';
import type { Run } from '../../run/core/run-schema.js';
import { isHeld } from '../../run/core/transition-hold.js';
import { clip, MAX_SECTION_TEXT } from './block-kit-limits.js';

/**
 * What a rollback of this deploy does about its `job` steps, shown from the run's first message on (before
 * anything reaches the cluster) until it ends, and on a held run: the reverts, in the order a rollback runs
 * them (the image after them), and the Jobs nothing undoes, which make an automatic rollback hold. Pure.
 */
export function rollbackPlanBlocks(run: Run): KnownBlock[] {
  if (run.kind !== 'deploy' || (run.endedAt !== undefined && !isHeld(run))) return [];
  const { reverts, irreversible } = jobRollbackPlan(run);
  if (reverts.length === 0 && irreversible.length === 0) return [];
  const lines = [
    `:leftwards_arrow_with_hook: *Rollback plan:* ${[...reverts.map((step, i) => `${i + 1}. revert *${step.title}*`), `${reverts.length + 1}. restore the image`].join('  ')} (only the Jobs that ran are reverted)`,
    ...(irreversible.length > 0
      ? [`:octagonal_sign: Cannot be undone: ${irreversible.map((step) => `*${step.title}*`).join(', ')} — once it has run, a failure holds the run (traffic back to stable, the on-call paged) instead of rolling the image back`]
      : []),
  ];
  return [{ type: 'context', block_id: 'rollback-plan', elements: [{ type: 'mrkdwn', text: clip(lines.join('\n'), MAX_SECTION_TEXT) }] }];
}
