import { randomBytes } from 'node:crypto';
import type { Block } from './block.js';

/** Outcome of {@link parseBlocks}: blocks ready to store, or the Slack error to answer. */
export type ParsedBlocks =
  | { ok: true; blocks: Block[] | undefined }
  | { ok: false; error: 'invalid_blocks_format' | 'invalid_blocks'; messages: string[] };

// Limits from protocols A8; Slack answers invalid_blocks with `[ERROR] ...` lines in response_metadata.
const MAX_BLOCKS = 50;
const MAX_ACTION_ELEMENTS = 25;
const MAX_ID = 255;
const MAX_SECTION_TEXT = 3000;
const MAX_HEADER_TEXT = 150;
const MAX_BUTTON_TEXT = 75;
const MAX_BUTTON_VALUE = 2000;
const MAX_INPUT_LABEL = 2000;

/**
 * Parses `blocks` as it arrives (JSON string from form bodies, array from JSON bodies), checks the
 * Block Kit limits a checklist message can hit, and fills in `block_id`/`action_id` the way Slack does
 * when the app leaves them out. `undefined` input means "no blocks given".
 */
export function parseBlocks(raw: unknown): ParsedBlocks {
  return parseBlockList(raw, { maxBlocks: MAX_BLOCKS, pointer: '/blocks' });
}

/** Where a block list sits and how many blocks it may hold (50 in messages, 100 in views). */
export interface BlockListRules {
  maxBlocks: number;
  /** JSON pointer of the list in Slack's error messages, e.g. `/blocks` or `/view/blocks`. */
  pointer: string;
}

/** {@link parseBlocks} with explicit limits and error location. */
export function parseBlockList(raw: unknown, rules: BlockListRules): ParsedBlocks {
  if (raw === undefined || raw === null || raw === '') return { ok: true, blocks: undefined };
  let value = raw;
  if (typeof raw === 'string') {
    try {
      value = JSON.parse(raw);
    } catch {
      return { ok: false, error: 'invalid_blocks_format', messages: ['[ERROR] blocks is not valid JSON'] };
    }
  }
  if (!Array.isArray(value)) {
    return { ok: false, error: 'invalid_blocks_format', messages: ['[ERROR] blocks must be an array'] };
  }
  const messages: string[] = [];
  if (value.length > rules.maxBlocks) {
    messages.push(`[ERROR] no more than ${rules.maxBlocks} items allowed [json-pointer:${rules.pointer}]`);
  }
  value.forEach((block, i) => {
    checkBlock(block, `${rules.pointer}/${i}`, messages);
  });
  if (messages.length > 0) return { ok: false, error: 'invalid_blocks', messages };
  return { ok: true, blocks: (value as Block[]).map(withIds) };
}

function checkBlock(block: unknown, at: string, out: string[]): void {
  if (!isObject(block) || typeof block.type !== 'string') {
    out.push(`[ERROR] missing required field: type [json-pointer:${at}]`);
    return;
  }
  checkId(block.block_id, `${at}/block_id`, out);
  if (block.type === 'header' && textLength(block.text) > MAX_HEADER_TEXT) {
    out.push(`[ERROR] must be less than ${MAX_HEADER_TEXT + 1} characters [json-pointer:${at}/text/text]`);
  }
  if (block.type === 'section' && textLength(block.text) > MAX_SECTION_TEXT) {
    out.push(`[ERROR] must be less than ${MAX_SECTION_TEXT + 1} characters [json-pointer:${at}/text/text]`);
  }
  if (block.type === 'actions') {
    const elements = Array.isArray(block.elements) ? block.elements : [];
    if (elements.length === 0) out.push(`[ERROR] must provide at least 1 item [json-pointer:${at}/elements]`);
    if (elements.length > MAX_ACTION_ELEMENTS) {
      out.push(`[ERROR] no more than ${MAX_ACTION_ELEMENTS} items allowed [json-pointer:${at}/elements]`);
    }
    elements.forEach((el, j) => {
      checkElement(el, `${at}/elements/${j}`, out);
    });
  }
  if (block.type === 'input') checkInput(block, at, out);
  if (isObject(block.accessory)) checkElement(block.accessory, `${at}/accessory`, out);
}

function checkInput(block: Block, at: string, out: string[]): void {
  if (!isObject(block.label) || block.label.type !== 'plain_text') {
    out.push(`[ERROR] missing required field: label [json-pointer:${at}]`);
  } else if (textLength(block.label) > MAX_INPUT_LABEL) {
    out.push(`[ERROR] must be less than ${MAX_INPUT_LABEL + 1} characters [json-pointer:${at}/label/text]`);
  }
  if (!isObject(block.element)) out.push(`[ERROR] missing required field: element [json-pointer:${at}]`);
  else checkElement(block.element, `${at}/element`, out);
}

function checkElement(el: unknown, at: string, out: string[]): void {
  if (!isObject(el) || typeof el.type !== 'string') {
    out.push(`[ERROR] missing required field: type [json-pointer:${at}]`);
    return;
  }
  checkId(el.action_id, `${at}/action_id`, out);
  if (el.type === 'checkboxes') checkCheckboxes(el, at, out);
  if (el.type !== 'button') return;
  if (!isObject(el.text)) out.push(`[ERROR] missing required field: text [json-pointer:${at}]`);
  if (textLength(el.text) > MAX_BUTTON_TEXT) {
    out.push(`[ERROR] must be less than ${MAX_BUTTON_TEXT + 1} characters [json-pointer:${at}/text/text]`);
  }
  if (typeof el.value === 'string' && el.value.length > MAX_BUTTON_VALUE) {
    out.push(`[ERROR] must be less than ${MAX_BUTTON_VALUE + 1} characters [json-pointer:${at}/value]`);
  }
}

// Slack's limits for a checkboxes element: 1 to 10 options.
const MAX_CHECKBOX_OPTIONS = 10;

function checkCheckboxes(el: Record<string, unknown>, at: string, out: string[]): void {
  const options = Array.isArray(el.options) ? el.options : [];
  if (options.length === 0) out.push(`[ERROR] must provide at least 1 item [json-pointer:${at}/options]`);
  if (options.length > MAX_CHECKBOX_OPTIONS) out.push(`[ERROR] no more than ${MAX_CHECKBOX_OPTIONS} items allowed [json-pointer:${at}/options]`);
}

function checkId(id: unknown, at: string, out: string[]): void {
  if (typeof id === 'string' && id.length > MAX_ID) {
    out.push(`[ERROR] must be less than ${MAX_ID + 1} characters [json-pointer:${at}]`);
  }
}

// Slack assigns ids the app omitted; an interaction payload then carries these generated ids.
function withIds(block: Block): Block {
  const out: Block = { ...block, block_id: typeof block.block_id === 'string' ? block.block_id : shortId() };
  if (block.type === 'actions' && Array.isArray(block.elements)) out.elements = block.elements.map((el) => withActionId(el));
  if (isObject(block.accessory)) out.accessory = withActionId(block.accessory);
  if (block.type === 'input' && isObject(block.element)) out.element = withActionId(block.element);
  return out;
}

function withActionId(el: unknown): unknown {
  if (!isObject(el) || !isInteractive(el.type)) return el;
  return { ...el, action_id: typeof el.action_id === 'string' ? el.action_id : shortId() };
}

function isInteractive(type: unknown): boolean {
  return typeof type === 'string' && type !== 'image';
}

function textLength(text: unknown): number {
  return isObject(text) && typeof text.text === 'string' ? text.text.length : 0;
}

function shortId(): string {
  return randomBytes(3).toString('base64url').slice(0, 4);
}

/** True for plain JSON objects (not arrays, not null). */
export function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
