import { createHash } from 'node:crypto';
import type { RunStepOf } from '../../run/core/run-item-schema.js';
import { runRef } from '../../run/core/run-ref.js';
import type { Run } from '../../run/core/run-schema.js';

/** The word between deployment and run in a Job's name: smoke Jobs keep the names older versions gave them. */
const INFIX = { 'smoke-job': 'smoke', job: 'job' } as const;

/**
 * `api-smoke-12-3f9c2a1b0d-smoke`, `api-job-12-3f9c2a1b0d-migrate`: one Job per run (by `runRef`, so a run #12
 * after a Redis restore never adopts the first run #12's Job) and step, so a retried step, or the step of a
 * worker that replaced a killed one, finds and reuses its own Job instead of starting a second.
 */
export function stepJobName(run: Run, item: Pick<RunStepOf<'smoke-job' | 'job'>, 'id' | 'action'>): string {
  const raw = `${run.target.deployment}-${INFIX[item.action]}-${runRef(run)}-${item.id}`.toLowerCase().replace(/[^a-z0-9-]+/g, '-');
  if (raw.length <= 63) return raw.replace(/-+$/, '');
  const hash = createHash('sha256').update(raw).digest('hex').slice(0, 10);
  return `${raw.slice(0, 52).replace(/-+$/, '')}-${hash}`;
}
