import type { Transition } from './run-event.js';
import type { ThreadNote } from './thread-note.js';

/**
 * The notes a summary may say in a line or two of its own: what happened, not what was output. A Job's log lines,
 * a failed step's or breached guard's detail and the other notes that carry workload or probe text stay replies of
 * their own, as does a follow-up's note, which posts the deployment log again when its reply goes out.
 */
function foldable(note: ThreadNote): boolean {
  switch (note.kind) {
    case 'phase-completed':
      return !note.followUp;
    case 'run-succeeded':
    case 'run-ended':
    case 'rollback-started':
    case 'rollback-finished':
    case 'rollback-held':
    case 'hold-kept':
    case 'watch-started':
    case 'watch-ended':
      return true;
    default:
      return false;
  }
}

/**
 * A transition that asks for the deployment summary says its last notes in the summary itself: a run that ends
 * with "phase completed" and "run succeeded" would otherwise make three replies where one says it all, three Slack
 * writes where Slack allows one a second in the channel. Only the {@link foldable} notes after the transition's
 * last other reply are folded, so the thread reads in the order the transition said it. The notes are kept on the
 * run (`closingNotes`), in order, so a summary asked for again (the reconciler's, after a lost job) still says
 * them. A transition that uploads a Job's log is left as it is: its failure note goes before the file, the summary
 * after it. Pure; the input is not mutated.
 */
export function foldClosingNotes(next: Transition): Transition {
  const { effects } = next;
  if (!effects.some((effect) => effect.type === 'summary') || effects.some((effect) => effect.type === 'job-log-file')) return next;
  let lastKept = -1;
  effects.forEach((effect, index) => {
    if (effect.type === 'thread' && !foldable(effect.note)) lastKept = index;
  });
  const folds = (index: number) => {
    const effect = effects[index]!;
    return index > lastKept && effect.type === 'thread' && foldable(effect.note);
  };
  const folded = effects.flatMap((effect, index) => (effect.type === 'thread' && folds(index) ? [effect.note] : []));
  if (folded.length === 0) return next;
  const kept = effects.filter((_, index) => !folds(index));
  return { ...next, run: { ...next.run, closingNotes: [...(next.run.closingNotes ?? []), ...folded] }, effects: kept };
}
