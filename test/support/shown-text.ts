import type { StoredMessage } from '../../sandbox/slack/index.js';

type Shown = Pick<StoredMessage, 'text' | 'blocks'>;

/**
 * What a reader sees of a message: its text and its sections' text. A file shared with blocks (the deployment
 * summary with its log) has no text of its own, only blocks.
 */
export function shownText(message: Shown): string {
  const sections = message.blocks.flatMap((block) => {
    const text = (block as { type?: string; text?: { text?: unknown } }).text?.text;
    return block.type === 'section' && typeof text === 'string' ? [text] : [];
  });
  return [message.text, ...sections].filter((part) => part !== '').join('\n');
}

/** Whether the message is a run's deployment summary, posted alone or sharing the deployment log. */
export const isSummary = (message: Shown): boolean => message.blocks.some((block) => typeof block.block_id === 'string' && block.block_id.startsWith('summary-'));
