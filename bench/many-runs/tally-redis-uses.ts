import { createHash } from 'node:crypto';
import type { LuaScript } from '../../src/run/store/eval-script.js';
import { CREATE_RUN_SCRIPT } from '../../src/run/store/create-run-script.js';
import { RAISE_SEQ_SCRIPT } from '../../src/run/store/raise-seq-script.js';
import { DUE_RECONCILES_SCRIPT, SETTLE_RECONCILE_SCRIPT } from '../../src/run/store/reconcile-scripts.js';
import {
  ASK_RENDER_SCRIPT,
  AWAIT_MESSAGE_SCRIPT,
  AWAIT_SHOWN_SCRIPT,
  CLAIM_RENDERS_SCRIPT,
  FINISH_RENDER_SCRIPT,
  HOLD_RENDER_SCRIPT,
  TAKE_WAITERS_SCRIPT,
} from '../../src/run/store/render-scripts.js';
import { UPDATE_RUN_SCRIPT } from '../../src/run/store/update-run-script.js';

/** Redis commands of one use: the commands it ran (a script's own ones included) and how often it was called. */
export interface RedisUse {
  /** What the commands were for: `BullMQ steps: Move job from active to …`, `script on run (10 keys)`, `get run`. */
  use: string;
  /** Where the use belongs: a BullMQ queue, the run store, the render queue, the channel turns, … (see areaOf). */
  area: string;
  commands: number;
  calls: number;
}

/** flightdeck's scripts a run's work calls, by name; any other is named by its first key (see RedisUseTally). */
const FLIGHTDECK_SCRIPTS = new Map<string, string>(
  (
    [
      [UPDATE_RUN_SCRIPT, 'run write (update-run)'],
      [CREATE_RUN_SCRIPT, 'run created (create-run)'],
      [RAISE_SEQ_SCRIPT, 'render recorded (raise-seq)'],
      [HOLD_RENDER_SCRIPT, 'render lock taken or renewed'],
      [FINISH_RENDER_SCRIPT, 'render finished'],
      [CLAIM_RENDERS_SCRIPT, 'renders claimed'],
      [ASK_RENDER_SCRIPT, 'render asked for'],
      [AWAIT_SHOWN_SCRIPT, 'summary joins the shown waiters'],
      [AWAIT_MESSAGE_SCRIPT, 'reply joins the message waiters'],
      [TAKE_WAITERS_SCRIPT, 'waiters taken to wake'],
      [DUE_RECONCILES_SCRIPT, 'reconciler: due runs'],
      [SETTLE_RECONCILE_SCRIPT, 'reconciler: run settled'],
    ] as [LuaScript, string][]
  ).map(([script, name]) => [script.sha, name]),
);

/** What the bench sends on the monitored server to mark where the counted window starts and ends. */
export const WINDOW_START = 'flightdeck-bench:window-start';
export const WINDOW_END = 'flightdeck-bench:window-end';

/** Commands the bench itself sends in the window (its command statistics leave them out too). */
const BENCH_OWN = new Set(['info', 'config', 'echo', 'monitor']);

/** The part of a key after flightdeck's `{prefix}:` hash tag, up to its first id: `run`, `render-lock`, `q:steps`. */
export function keyKind(key: string): string {
  const rest = key.replace(/^\{[^}]*\}:/, '');
  const queue = /^q:([^:]+)/.exec(rest);
  if (queue) return `q:${queue[1]}`;
  return rest.split(':')[0] ?? rest;
}

/** Where a key kind belongs. */
function areaOf(kind: string): string {
  if (kind === '') return 'keyless (TIME, PING)';
  if (kind.startsWith('q:')) return `BullMQ ${kind.slice(2)} queue`;
  if (kind.startsWith('render-') || kind === 'message-waiters') return 'render queue and waiters';
  if (kind.startsWith('write-')) return 'channel turns';
  if (kind === 'reply-line' || kind === 'once' || kind === 'post-attempt') return 'reply order and once-only claims';
  if (kind === 'audit') return 'audit';
  return 'run store';
}

const ESCAPES: Record<string, string> = { n: '\n', r: '\r', t: '\t', a: '\x07', b: '\b', '\\': '\\', '"': '"' };

/**
 * An argument as sent, from the way MONITOR prints it (Redis's sdscatrepr: `\n`, `\xHH`, …), which ioredis passes on
 * with only `\"` undone: a script's digest is taken of its source as sent.
 */
export function unrepr(printed: string): string {
  return printed.replace(/\\(x[0-9a-fA-F]{2}|.)/g, (_, escaped: string) =>
    escaped.length === 3 ? String.fromCharCode(Number.parseInt(escaped.slice(1), 16)) : (ESCAPES[escaped] ?? escaped),
  );
}

/** A BullMQ script's description: the first line of the comment its source opens with. */
function describeScript(source: string): string | undefined {
  const comment = /^\s*--\[\[\s*\n?\s*([^\n]+)/.exec(source);
  return comment?.[1]?.trim();
}

/**
 * Counts the commands a Redis MONITOR shows (`add` each line's arguments and source, in order) by what they were
 * for, between the bench's window markers. A script's own commands (source `lua`, listed right after it) count
 * for the script. A script on a BullMQ queue's keys is named by the description its source opens with, once a call
 * has sent the source (EVAL; so the tally must see the stream from before the first job, not only the window);
 * flightdeck's by FLIGHTDECK_SCRIPTS, or else by the kind of its first key and how many keys it takes.
 */
export class RedisUseTally {
  private counting = false;
  private current: RedisUse | undefined;
  private readonly uses = new Map<string, RedisUse>();
  private readonly descriptions = new Map<string, string>();

  add(args: readonly string[], source: string): void {
    const command = (args[0] ?? '').toLowerCase();
    if (source === 'lua') {
      if (this.counting && this.current) this.current.commands += 1;
      return;
    }
    if (command === 'eval') {
      const body = unrepr(args[1] ?? '');
      const description = describeScript(body);
      if (description) this.descriptions.set(createHash('sha1').update(body, 'latin1').digest('hex'), description);
    }
    if (command === 'echo' && args[1] === WINDOW_START) this.counting = true;
    if (command === 'echo' && args[1] === WINDOW_END) this.counting = false;
    this.current = undefined;
    if (!this.counting || BENCH_OWN.has(command)) return;
    const { use, area } = this.useOf(command, args);
    const entry = this.uses.get(use) ?? { use, area, commands: 0, calls: 0 };
    entry.commands += 1;
    entry.calls += 1;
    this.uses.set(use, entry);
    if (command === 'eval' || command === 'evalsha') this.current = entry;
  }

  /** Every use, most commands first. */
  result(): RedisUse[] {
    return [...this.uses.values()].sort((a, b) => b.commands - a.commands);
  }

  private useOf(command: string, args: readonly string[]): { use: string; area: string } {
    if (command === 'eval' || command === 'evalsha') {
      const keys = Number(args[2] ?? 0);
      const kind = keys > 0 ? keyKind(args[3] ?? '') : '';
      const sha = command === 'eval' ? createHash('sha1').update(unrepr(args[1] ?? ''), 'latin1').digest('hex') : (args[1] ?? '');
      if (kind.startsWith('q:')) return { use: `BullMQ ${kind.slice(2)}: ${this.descriptions.get(sha) ?? `script ${sha.slice(0, 8)}`}`, area: areaOf(kind) };
      // A script that takes a run's render lock is the render queue's, whichever key comes first.
      const rendering = args.slice(3, 3 + keys).some((key) => keyKind(key) === 'render-lock');
      return { use: FLIGHTDECK_SCRIPTS.get(sha) ?? `script on ${kind} (${keys} keys)`, area: areaOf(rendering ? 'render-lock' : kind) };
    }
    const kind = args.length > 1 ? keyKind(args[1] ?? '') : '';
    return { use: `${command} ${kind}`.trim(), area: areaOf(kind) };
  }
}

/** The uses' commands summed by area, most first. */
export function byArea(uses: readonly RedisUse[]): { area: string; commands: number }[] {
  const areas = new Map<string, number>();
  for (const use of uses) areas.set(use.area, (areas.get(use.area) ?? 0) + use.commands);
  return [...areas.entries()].map(([area, commands]) => ({ area, commands })).sort((a, b) => b.commands - a.commands);
}
