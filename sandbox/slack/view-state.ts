import type { Block } from './block.js';
import { isObject } from './validate-blocks.js';

/**
 * What a user entered in one input: a string (or strings, for multi-selects) turned into the element's
 * state shape, or a state object passed through as-is (`{ type, value }`, `{ selected_option }`, ...).
 */
export type ViewValueInput = string | readonly string[] | Record<string, unknown>;

/** Entered values by input `block_id`, then `action_id`. */
export type ViewValuesInput = Record<string, Record<string, ViewValueInput>>;

/** `view.state.values` as Slack sends it. */
export type ViewStateValues = Record<string, Record<string, Record<string, unknown>>>;

// Which state field each element type reports its selection in.
const SINGLE_FIELD: Record<string, string> = {
  static_select: 'selected_option',
  external_select: 'selected_option',
  radio_buttons: 'selected_option',
  users_select: 'selected_user',
  conversations_select: 'selected_conversation',
  channels_select: 'selected_channel',
  datepicker: 'selected_date',
  timepicker: 'selected_time',
};
const MULTI_FIELD: Record<string, string> = {
  checkboxes: 'selected_options',
  multi_static_select: 'selected_options',
  multi_external_select: 'selected_options',
  multi_users_select: 'selected_users',
  multi_conversations_select: 'selected_conversations',
  multi_channels_select: 'selected_channels',
};
const OPTION_TYPES = new Set(['static_select', 'external_select', 'radio_buttons', 'checkboxes', 'multi_static_select', 'multi_external_select']);

/**
 * Builds `view.state.values` for `blocks` the way Slack does: every input block appears, empty ones
 * with null/[] selections. With `strict` (a view the emulator holds) an entry naming no input of the
 * view, or an option the element does not offer, throws listing what exists.
 */
export function buildStateValues(blocks: readonly Block[], input: ViewValuesInput = {}, strict = true): ViewStateValues {
  const state: ViewStateValues = {};
  const known = new Set<string>();
  for (const block of blocks) {
    if (block.type !== 'input' || !isObject(block.element) || typeof block.block_id !== 'string') continue;
    const element = block.element;
    const actionId = typeof element.action_id === 'string' ? element.action_id : '';
    known.add(`${block.block_id}.${actionId}`);
    state[block.block_id] = { [actionId]: toState(element, input[block.block_id]?.[actionId]) };
  }
  for (const [blockId, actions] of Object.entries(input)) {
    for (const [actionId, value] of Object.entries(actions)) {
      if (known.has(`${blockId}.${actionId}`)) continue;
      if (strict) {
        throw new Error(`No input ${blockId}.${actionId} in the view; inputs: ${[...known].join(', ') || 'none'}`);
      }
      state[blockId] = { ...state[blockId], [actionId]: toState({ type: 'plain_text_input' }, value) };
    }
  }
  return state;
}

function toState(element: Record<string, unknown>, given: ViewValueInput | undefined): Record<string, unknown> {
  const type = typeof element.type === 'string' ? element.type : 'plain_text_input';
  if (isObject(given)) return { type, ...given };
  const single = SINGLE_FIELD[type];
  const multi = MULTI_FIELD[type];
  if (multi) {
    const values = given === undefined ? [] : typeof given === 'string' ? [given] : [...given];
    return { type, [multi]: OPTION_TYPES.has(type) ? values.map((v) => option(element, v)) : values };
  }
  const text = typeof given === 'string' ? given : given?.[0];
  if (single) {
    if (text === undefined) return { type, [single]: null };
    return { type, [single]: OPTION_TYPES.has(type) ? option(element, text) : text };
  }
  return { type, value: text ?? null };
}

function option(element: Record<string, unknown>, value: string): Record<string, unknown> {
  const groups = Array.isArray(element.option_groups) ? element.option_groups.filter(isObject) : [];
  const options = [
    ...(Array.isArray(element.options) ? element.options : []),
    ...groups.flatMap((g) => (Array.isArray(g.options) ? g.options : [])),
  ].filter(isObject);
  const match = options.find((o) => o.value === value);
  if (match) return match;
  // External selects load options from the app, so any value is plausible.
  if (options.length === 0 && String(element.type).includes('external')) {
    return { text: { type: 'plain_text', text: value, emoji: true }, value };
  }
  const offered = options.map((o) => String(o.value)).join(', ') || 'none';
  throw new Error(`Option ${value} is not offered by ${String(element.action_id)}; options: ${offered}`);
}
