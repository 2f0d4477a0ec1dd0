import { newTriggerId, newViewHash, slackId } from './slack-ids.js';
import type { Block } from './block.js';
import { isObject } from './validate-blocks.js';
import { parseView, type ParsedView } from './validate-view.js';

/** A modal the app opened, as Slack holds it now. */
export interface StoredView extends ParsedView {
  id: string;
  /** Whose screen it is on (the user of the trigger that opened or pushed it). */
  userId: string;
  hash: string;
  rootViewId: string;
  previousViewId: string | null;
  /** False once closed by an ack, `clear`, or replaced by a new `views.open`. */
  open: boolean;
  /** Successful `views.update` calls and `response_action: 'update'` acks. */
  updates: number;
  /** Inline errors (by input block_id) from the last `response_action: 'errors'` ack. */
  errors?: Record<string, string>;
}

/** What the emulator did with a `view_submission` ack. */
export interface ViewAckRecord {
  viewId: string;
  userId: string;
  /** The ack body as received (`undefined` for an empty ack). */
  payload: Record<string, unknown> | undefined;
  outcome: 'closed' | 'cleared' | 'errors' | 'updated' | 'pushed' | 'rejected';
  /** Why an ack was rejected (Slack would show the user a generic error). */
  problem?: string;
}

/** Slack's answer to a trigger exchange. */
export type TriggerOutcome = { ok: true; userId: string } | { ok: false; error: string };

interface Trigger {
  userId: string;
  issuedAt: number;
  used: boolean;
}

const TRIGGER_LIFETIME_MS = 3000;
const MAX_STACK = 3;

/** Trigger ids and per-user modal stacks, with Slack's single-use, 3-second and depth-3 rules. */
export class ViewStore {
  private readonly triggers = new Map<string, Trigger>();
  private readonly stacks = new Map<string, StoredView[]>();
  readonly all: StoredView[] = [];
  readonly acks: ViewAckRecord[] = [];

  constructor(
    private readonly ids: { teamId: string; appId: string; botId: string },
    private readonly now: () => number,
  ) {}

  /** Mints a trigger id for `userId`, valid once within 3 s. */
  issueTrigger(userId: string): string {
    const id = newTriggerId(this.now());
    this.triggers.set(id, { userId, issuedAt: this.now(), used: false });
    return id;
  }

  /** Spends a trigger id; errors as Slack names them. */
  exchange(triggerId: string | undefined): TriggerOutcome {
    const trigger = triggerId ? this.triggers.get(triggerId) : undefined;
    if (!trigger) return { ok: false, error: 'invalid_trigger_id' };
    if (trigger.used) return { ok: false, error: 'exchanged_trigger_id' };
    if (this.now() - trigger.issuedAt > TRIGGER_LIFETIME_MS) return { ok: false, error: 'expired_trigger_id' };
    trigger.used = true;
    return { ok: true, userId: trigger.userId };
  }

  /** True when `externalId` already names a stored view other than `exceptId`. */
  externalIdTaken(externalId: string | undefined, exceptId?: string): boolean {
    return externalId !== undefined && this.all.some((v) => v.externalId === externalId && v.id !== exceptId);
  }

  /** Opens a new root modal for `userId`, closing whatever stack was on their screen. */
  open(userId: string, parsed: ParsedView): StoredView {
    for (const v of this.stack(userId)) v.open = false;
    const view = this.create(userId, parsed, null);
    this.stacks.set(userId, [view]);
    return view;
  }

  /** Pushes onto the user's open stack; `not_found` without one, `push_limit_reached` at depth 3. */
  push(userId: string, parsed: ParsedView): StoredView | { error: string } {
    const stack = this.stack(userId);
    const top = stack.at(-1);
    if (!top) return { error: 'not_found' };
    if (stack.length >= MAX_STACK) return { error: 'push_limit_reached' };
    const view = this.create(userId, parsed, top);
    stack.push(view);
    return view;
  }

  /** Replaces an open view's content; `hash` (when given) must match, as Slack's race guard. */
  update(target: { viewId?: string; externalId?: string }, hash: string | undefined, parsed: ParsedView): StoredView | { error: string } {
    const view = this.all.find((v) => v.open && (target.viewId ? v.id === target.viewId : v.externalId === target.externalId));
    if (!view) return { error: 'not_found' };
    if (hash !== undefined && hash !== view.hash) return { error: 'hash_conflict' };
    if (this.externalIdTaken(parsed.externalId, view.id)) return { error: 'duplicate_external_id' };
    this.replace(view, parsed);
    return view;
  }

  /** A view by id, open or not. */
  find(viewId: string): StoredView | undefined {
    return this.all.find((v) => v.id === viewId);
  }

  /** The user's open modal stack, root first. */
  stack(userId: string): StoredView[] {
    const stack = this.stacks.get(userId) ?? [];
    const open = stack.filter((v) => v.open);
    this.stacks.set(userId, open);
    return open;
  }

  /** Applies a `view_submission` ack the way Slack does (protocols A4) and records the outcome. */
  applyAck(viewId: string, payload: Record<string, unknown> | undefined): ViewAckRecord {
    const view = this.find(viewId);
    const record = (outcome: ViewAckRecord['outcome'], problem?: string): ViewAckRecord => {
      const entry: ViewAckRecord = { viewId, userId: view?.userId ?? '', payload, outcome, ...(problem ? { problem } : {}) };
      this.acks.push(entry);
      return entry;
    };
    if (!view?.open) return record('rejected', `view ${viewId} is not open`);
    const action = payload?.response_action;
    if (action === undefined) {
      view.open = false;
      return record('closed');
    }
    if (action === 'clear') {
      for (const v of this.stack(view.userId)) v.open = false;
      return record('cleared');
    }
    if (action === 'errors') {
      const problem = checkErrors(payload?.errors, view.blocks);
      if (problem) return record('rejected', problem);
      view.errors = payload?.errors as Record<string, string>;
      return record('errors');
    }
    if (action !== 'update' && action !== 'push') return record('rejected', `unknown response_action ${String(action)}`);
    const parsed = parseView(payload?.view);
    if (!parsed.ok) return record('rejected', [parsed.error, ...parsed.messages].join(' '));
    if (action === 'update') {
      this.replace(view, parsed.view);
      return record('updated');
    }
    const pushed = this.push(view.userId, parsed.view);
    return 'error' in pushed ? record('rejected', pushed.error) : record('pushed');
  }

  /** The view object as Slack returns it from views.* calls. */
  wire(view: StoredView): Record<string, unknown> {
    return wireView(view, this.ids);
  }

  private create(userId: string, parsed: ParsedView, previous: StoredView | null): StoredView {
    const id = slackId('V0');
    const view: StoredView = {
      ...parsed,
      id,
      userId,
      hash: newViewHash(this.now()),
      rootViewId: previous?.rootViewId ?? id,
      previousViewId: previous?.id ?? null,
      open: true,
      updates: 0,
    };
    this.all.push(view);
    return view;
  }

  private replace(view: StoredView, parsed: ParsedView): void {
    const { id, userId, rootViewId, previousViewId, updates } = view;
    for (const key of ['submit', 'close', 'externalId', 'errors'] as const) delete view[key];
    Object.assign(view, parsed, { id, userId, rootViewId, previousViewId, hash: newViewHash(this.now()), updates: updates + 1 });
  }
}

/** The view object as Slack returns it from views.* and sends it in interaction payloads. */
export function wireView(
  view: StoredView,
  ids: { teamId: string; appId: string; botId: string },
  values: Record<string, unknown> = {},
): Record<string, unknown> {
  return {
    id: view.id,
    team_id: ids.teamId,
    type: 'modal',
    blocks: structuredClone(view.blocks),
    private_metadata: view.privateMetadata,
    callback_id: view.callbackId,
    state: { values },
    hash: view.hash,
    title: view.title,
    clear_on_close: view.clearOnClose,
    notify_on_close: view.notifyOnClose,
    close: view.close ?? null,
    submit: view.submit ?? null,
    previous_view_id: view.previousViewId,
    root_view_id: view.rootViewId,
    app_id: ids.appId,
    external_id: view.externalId ?? '',
    app_installed_team_id: ids.teamId,
    bot_id: ids.botId,
  };
}

// Slack only shows errors keyed by the block_id of an input block in the current view.
function checkErrors(errors: unknown, blocks: readonly Block[]): string | undefined {
  if (!isObject(errors) || Object.keys(errors).length === 0) return 'errors must be a non-empty object';
  const inputs = new Set(blocks.filter((b) => b.type === 'input').map((b) => b.block_id));
  for (const [blockId, message] of Object.entries(errors)) {
    if (typeof message !== 'string') return `errors.${blockId} must be a string`;
    if (!inputs.has(blockId)) return `errors.${blockId} names no input block (inputs: ${[...inputs].join(', ') || 'none'})`;
  }
  return undefined;
}
