import { describeMessageLag } from '../message-lag.js';
import type { ManyRunsResult } from './measure-many-runs.js';

/** Why a many-runs pass failed (none: it passed): runs refused or not terminal, the time limit, messages not final in their bound. */
export function manyRunsFailures(r: ManyRunsResult): string[] {
  const failures: string[] = [];
  const started = r.runs - r.createRefused;
  if (r.createRefused > 0) failures.push(`many runs (${r.runs}): ${r.createRefused} /deploys refused`);
  if (r.terminal < started) failures.push(`many runs (${r.runs}): ${r.terminal} of ${started} runs terminal`);
  if (r.timedOut) {
    failures.push(`many runs (${r.runs}): ${r.renderedFinal} of ${started} messages final, ${r.threadsComplete} threads complete when the ${Math.round(r.windowMs / 1000)} s limit ran out`);
  }
  if (r.messageLag.overBound > 0) failures.push(`many runs (${r.runs}): ${describeMessageLag(r.messageLag)}`);
  return failures;
}
