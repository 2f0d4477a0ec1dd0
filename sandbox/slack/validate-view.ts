import type { Block } from './block.js';
import { isObject, parseBlockList } from './validate-blocks.js';

/** A modal as the app sent it, checked and with Slack-filled block/action ids. */
export interface ParsedView {
  callbackId: string;
  privateMetadata: string;
  externalId?: string;
  title: Record<string, unknown>;
  submit?: Record<string, unknown>;
  close?: Record<string, unknown>;
  blocks: Block[];
  clearOnClose: boolean;
  notifyOnClose: boolean;
}

/** Outcome of {@link parseView}: the view, or the Slack error to answer with its `[ERROR]` lines. */
export type ParsedViewResult = { ok: true; view: ParsedView } | { ok: false; error: string; messages: string[] };

// Limits from protocols A8 and Slack's view object reference.
const MAX_VIEW_BYTES = 250 * 1024;
const MAX_VIEW_BLOCKS = 100;
const MAX_TITLE = 24;
const MAX_CALLBACK_ID = 255;
const MAX_PRIVATE_METADATA = 3000;

/**
 * Parses the `view` argument of views.open/update/push (JSON string from form bodies, object from JSON
 * bodies) and checks what Slack checks before showing a modal: size (`view_too_large`), then shape
 * (`invalid_arguments` with one `[ERROR] ... [json-pointer:/view/...]` line per problem).
 */
export function parseView(raw: unknown, type: 'modal' | 'home' = 'modal'): ParsedViewResult {
  if (raw === undefined || raw === null || raw === '') return invalid(['[ERROR] missing required field: view']);
  let value = raw;
  if (typeof raw === 'string') {
    if (Buffer.byteLength(raw, 'utf8') > MAX_VIEW_BYTES) return { ok: false, error: 'view_too_large', messages: [] };
    try {
      value = JSON.parse(raw);
    } catch {
      return invalid(['[ERROR] view is not valid JSON [json-pointer:/view]']);
    }
  } else if (Buffer.byteLength(JSON.stringify(raw), 'utf8') > MAX_VIEW_BYTES) {
    return { ok: false, error: 'view_too_large', messages: [] };
  }
  if (!isObject(value)) return invalid(['[ERROR] view must be an object [json-pointer:/view]']);
  const messages: string[] = [];
  if (value.type !== type) messages.push(`[ERROR] must be one of: ${type} [json-pointer:/view/type]`);
  // A Home tab has no title bar and no buttons of its own: the tab shows the app's name.
  const title = type === 'home' ? {} : plainText(value.title, '/view/title', true, messages);
  const submit = plainText(value.submit, '/view/submit', false, messages);
  const close = plainText(value.close, '/view/close', false, messages);
  const callbackId = optionalString(value.callback_id, '/view/callback_id', MAX_CALLBACK_ID, messages);
  const privateMetadata = optionalString(value.private_metadata, '/view/private_metadata', MAX_PRIVATE_METADATA, messages);
  const externalId = optionalString(value.external_id, '/view/external_id', MAX_CALLBACK_ID, messages);
  let blocks: Block[] = [];
  if (!Array.isArray(value.blocks)) {
    messages.push('[ERROR] missing required field: blocks [json-pointer:/view]');
  } else {
    const parsed = parseBlockList(value.blocks, { maxBlocks: MAX_VIEW_BLOCKS, pointer: '/view/blocks' });
    if (parsed.ok) blocks = parsed.blocks ?? [];
    else messages.push(...parsed.messages);
  }
  if (type === 'modal' && !submit && blocks.some((b) => b.type === 'input')) {
    messages.push('[ERROR] must provide submit when the view has input blocks [json-pointer:/view/submit]');
  }
  if (messages.length > 0 || !title) return invalid(messages);
  return {
    ok: true,
    view: {
      callbackId: callbackId ?? '',
      privateMetadata: privateMetadata ?? '',
      ...(externalId ? { externalId } : {}),
      title,
      ...(submit ? { submit } : {}),
      ...(close ? { close } : {}),
      blocks,
      clearOnClose: value.clear_on_close === true,
      notifyOnClose: value.notify_on_close === true,
    },
  };
}

function invalid(messages: string[]): ParsedViewResult {
  return { ok: false, error: 'invalid_arguments', messages };
}

function plainText(value: unknown, at: string, required: boolean, out: string[]): Record<string, unknown> | undefined {
  if (value === undefined) {
    if (required) out.push(`[ERROR] missing required field: ${at.split('/').at(-1) ?? ''} [json-pointer:${at.slice(0, at.lastIndexOf('/'))}]`);
    return undefined;
  }
  if (!isObject(value) || value.type !== 'plain_text' || typeof value.text !== 'string') {
    out.push(`[ERROR] must be a plain_text object [json-pointer:${at}]`);
    return undefined;
  }
  if (value.text.length === 0 || value.text.length > MAX_TITLE) {
    out.push(`[ERROR] must be between 1 and ${MAX_TITLE} characters [json-pointer:${at}/text]`);
    return undefined;
  }
  return value;
}

function optionalString(value: unknown, at: string, max: number, out: string[]): string | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== 'string') {
    out.push(`[ERROR] must be a string [json-pointer:${at}]`);
    return undefined;
  }
  if (value.length > max) out.push(`[ERROR] must be less than ${max + 1} characters [json-pointer:${at}]`);
  return value;
}
