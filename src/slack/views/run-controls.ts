import type { Button } from '@slack/types';
import { irreversibleJobsThatRan } from '../../run/core/job-reverts.js';
import { changedCluster, changedServing, somethingToRollBack } from '../../run/core/run-draft.js';
import type { Run } from '../../run/core/run-schema.js';
import { clip, MAX_CONFIRM_TEXT } from './block-kit-limits.js';

/** Action ids of the run's control buttons; each button's value is the run id. */
export const RUN_ACTIONS = {
  start: 'run.start',
  pause: 'run.pause',
  resume: 'run.resume',
  abort: 'run.abort',
  rollback: 'run.rollback',
} as const;


function button(run: Run, text: string, actionId: string, style?: 'primary' | 'danger'): Button {
  return { type: 'button', action_id: actionId, value: run.id, text: { type: 'plain_text', text }, ...(style ? { style } : {}) };
}

function abortButton(run: Run): Button {
  const consequence = !changedCluster(run)
    ? 'Nothing has reached the cluster yet: the run ends aborted.'
    : irreversibleJobsThatRan(run).length > 0
      ? 'The cluster has already been changed, and a Job that cannot be undone ran: the run ends failed and is held (traffic back to stable, the image kept) until someone rolls it back anyway.'
      : changedServing(run)
        ? 'The cluster has already been changed: the run ends failed and is rolled back.'
        : 'A Job with a revert has run: the run ends failed and the reverts run (the image was not changed).';
  return {
    ...button(run, 'Abort', RUN_ACTIONS.abort, 'danger'),
    confirm: {
      title: { type: 'plain_text', text: 'Abort this run?' },
      text: { type: 'mrkdwn', text: clip(`Abort the deploy of ${run.service} \`${run.version}\` to *${run.environment}*? ${consequence}`, MAX_CONFIRM_TEXT) },
      confirm: { type: 'plain_text', text: 'Abort' },
      deny: { type: 'plain_text', text: 'Keep going' },
      style: 'danger',
    },
  };
}

/**
 * The controls that apply to the run as it stands: Start while pending, Pause or Resume while it moves,
 * Abort until it ends, and Rollback on a deploy that changed the cluster and is not being undone. Pure.
 */
export function runControls(run: Run): Button[] {
  const controls: Button[] = [];
  if (run.kind === 'deploy') {
    switch (run.state) {
      case 'pending':
        controls.push(button(run, 'Start', RUN_ACTIONS.start, 'primary'), abortButton(run));
        break;
      case 'running':
      case 'waiting':
        controls.push(button(run, 'Pause', RUN_ACTIONS.pause), abortButton(run));
        break;
      case 'paused':
        controls.push(button(run, 'Resume', RUN_ACTIONS.resume, 'primary'), abortButton(run));
        break;
      default:
        break;
    }
  }
  const undoable = !['pending', 'rolling-back', 'rolled-back', 'aborted'].includes(run.state);
  if (run.kind === 'deploy' && undoable && somethingToRollBack(run)) {
    controls.push(button(run, 'Rollback', RUN_ACTIONS.rollback, 'danger'));
  }
  return controls;
}
