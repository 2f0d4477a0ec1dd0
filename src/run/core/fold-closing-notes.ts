import type { Transition } from './run-event.js';
import type { ThreadNote } from './thread-note.js';

/** Notes that post the deployment log again when their reply goes out (run-engine.ts): they stay replies of their own. */
function repostsLog(note: ThreadNote): boolean {
  return (note.kind === 'phase-completed' && note.followUp) || note.kind === 'follow-up-failed';
}

/**
 * A transition that asks for the deployment summary says the rest of what it tells the thread in the summary
 * itself: a run that ends with "phase completed" and "run succeeded" would otherwise make three replies where
 * one says it all, three Slack writes where Slack allows one a second in the channel. The notes are kept on the
 * run (`closingNotes`), in order, so a summary asked for again (the reconciler's, after a lost job) still says
 * them. A transition that uploads a Job's log is left as it is: its failure note goes before the file, the
 * summary after it. Pure; the input is not mutated.
 */
export function foldClosingNotes(next: Transition): Transition {
  const { effects } = next;
  if (!effects.some((effect) => effect.type === 'summary') || effects.some((effect) => effect.type === 'job-log-file')) return next;
  const folded = effects.flatMap((effect) => (effect.type === 'thread' && !repostsLog(effect.note) ? [effect.note] : []));
  if (folded.length === 0) return next;
  const kept = effects.filter((effect) => effect.type !== 'thread' || repostsLog(effect.note));
  return { ...next, run: { ...next.run, closingNotes: [...(next.run.closingNotes ?? []), ...folded] }, effects: kept };
}
