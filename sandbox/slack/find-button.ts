import type { Block } from './block.js';
import { isObject } from './validate-blocks.js';

/** A button as it sits in a message's blocks. */
export interface ButtonRef {
  blockId: string;
  actionId: string;
  value?: string;
  /** The element itself, copied into the action payload (`text`, `style`, ...). */
  element: Record<string, unknown>;
}

/** Every button in `actions` blocks and section accessories, in display order. */
export function listButtons(blocks: readonly Block[]): ButtonRef[] {
  const found: ButtonRef[] = [];
  for (const block of blocks) {
    const blockId = typeof block.block_id === 'string' ? block.block_id : '';
    const elements = block.type === 'actions' && Array.isArray(block.elements) ? block.elements : [];
    for (const el of [...elements, block.accessory]) {
      if (!isObject(el) || el.type !== 'button' || typeof el.action_id !== 'string') continue;
      found.push({
        blockId,
        actionId: el.action_id,
        ...(typeof el.value === 'string' ? { value: el.value } : {}),
        element: el,
      });
    }
  }
  return found;
}

/**
 * The button with `actionId` (and `value`, when given). Throws listing the available buttons, so a test
 * failure shows what the message actually offered.
 */
export function findButton(blocks: readonly Block[], actionId: string, value?: string): ButtonRef {
  const buttons = listButtons(blocks);
  const match = buttons.find((b) => b.actionId === actionId && (value === undefined || b.value === value));
  if (match) return match;
  const available = buttons.map((b) => `${b.actionId}${b.value !== undefined ? `=${b.value}` : ''} (block ${b.blockId})`);
  const wanted = value === undefined ? actionId : `${actionId}=${value}`;
  throw new Error(`No button ${wanted} in message; available: ${available.join(', ') || 'none'}`);
}
