import type { ModalView } from '@slack/types';
import type { RollbackIntent } from '../use-cases/rollback-intent.js';

/** The callback id of the confirm dialog; its submission starts the rollback. */
export const ROLLBACK_CONFIRM_CALLBACK = 'rollback.confirm';

/** The modal asking "really roll back?", with what will happen spelled out in `summary` (mrkdwn). */
export function rollbackConfirmView(intent: RollbackIntent, summary: string): ModalView {
  return {
    type: 'modal',
    callback_id: ROLLBACK_CONFIRM_CALLBACK,
    private_metadata: JSON.stringify(intent),
    title: { type: 'plain_text', text: 'Confirm rollback' },
    submit: { type: 'plain_text', text: 'Roll back' },
    close: { type: 'plain_text', text: 'Cancel' },
    blocks: [{ type: 'section', text: { type: 'mrkdwn', text: summary.slice(0, 3000) } }],
  };
}

/** A modal that only says something (an error after submitting), replacing the dialog. */
export function rollbackNoticeView(text: string): ModalView {
  return {
    type: 'modal',
    title: { type: 'plain_text', text: 'Rollback' },
    close: { type: 'plain_text', text: 'Close' },
    blocks: [{ type: 'section', text: { type: 'mrkdwn', text: text.slice(0, 3000) } }],
  };
}
