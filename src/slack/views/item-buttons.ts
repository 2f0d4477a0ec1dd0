import type { Button } from '@slack/types';
import type { Run, RunItem } from '../../run/core/run-schema.js';
import { clip, MAX_BUTTON_TEXT, MAX_CONFIRM_TEXT, MAX_CONFIRM_TITLE } from './block-kit-limits.js';

/** Action ids of item buttons are `<prefix>.<item id>`: item ids are unique in a run, so action ids are unique in a message. */
export const TICK_ACTION_PREFIX = 'item.tick';
export const APPROVE_ACTION_PREFIX = 'item.approve';

/** An item button's value: the run and the item it acts on. */
export function itemButtonValue(run: Run, item: RunItem): string {
  return `${run.id}:${item.id}`;
}

const ITEM_VALUE = /^([^:]+):(.+)$/;

/** Reads an item button's value; undefined when it is not one of ours. */
export function parseItemButtonValue(value: string | undefined): { runId: string; itemId: string } | undefined {
  const match = ITEM_VALUE.exec(value ?? '');
  return match ? { runId: match[1]!, itemId: match[2]! } : undefined;
}

/**
 * The button for an item people complete, or none: pending manual items get "Done", pending sign-offs
 * "Approve" (with a confirmation dialog when `confirmSignoffs`).
 */
export function itemButton(run: Run, item: RunItem, confirmSignoffs: boolean): Button | undefined {
  if (item.state !== 'pending') return undefined;
  if (item.kind === 'manual') {
    return {
      type: 'button',
      action_id: `${TICK_ACTION_PREFIX}.${item.id}`,
      value: itemButtonValue(run, item),
      text: { type: 'plain_text', text: clip(`Done: ${item.title}`, MAX_BUTTON_TEXT) },
    };
  }
  if (item.kind !== 'signoff') return undefined;
  const button: Button = {
    type: 'button',
    action_id: `${APPROVE_ACTION_PREFIX}.${item.id}`,
    value: itemButtonValue(run, item),
    style: 'primary',
    text: { type: 'plain_text', text: clip(`Approve: ${item.title}`, MAX_BUTTON_TEXT) },
  };
  if (confirmSignoffs) {
    button.confirm = {
      title: { type: 'plain_text', text: clip(`Sign off as ${item.role}?`, MAX_CONFIRM_TITLE) },
      text: {
        type: 'mrkdwn',
        text: clip(`You approve *${item.title}* for ${run.service} \`${run.version}\` in *${run.environment}*. This is recorded with your name.`, MAX_CONFIRM_TEXT),
      },
      confirm: { type: 'plain_text', text: 'Approve' },
      deny: { type: 'plain_text', text: 'Cancel' },
    };
  }
  return button;
}
