import type { ModalView } from '@slack/types';
import { z } from 'zod';

/** The callback id of the confirm dialog; its submission starts the rollback. */
export const ROLLBACK_CONFIRM_CALLBACK = 'rollback.confirm';

/** What the dialog carries from the request to its submission (Slack hands it back as `private_metadata`). */
export const rollbackIntentSchema = z.object({
  service: z.string().min(1),
  environment: z.string().min(1),
  toRevision: z.string().regex(/^\d+$/).optional(),
  /** The run to undo; absent to roll back the service as it stands. */
  runId: z.string().min(1).optional(),
  channel: z.string(),
});
export type RollbackIntent = z.infer<typeof rollbackIntentSchema>;

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
