import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { UPDATE_RUN_SCRIPT } from '../../src/run/store/update-run-script.js';
import { byArea, keyKind, RedisUseTally, unrepr, WINDOW_END, WINDOW_START } from '../../bench/many-runs/tally-redis-uses.js';

const MOVE_TO_ACTIVE = '--[[\n  Move next job to be processed to active, lock it and fetch its data.\n]]\nlocal x = 1\n';
const sha = (source: string) => createHash('sha1').update(source).digest('hex');
const client = '127.0.0.1:50000';
/** An argument as ioredis hands it on from MONITOR: printed by Redis (`\n` for a newline), with only `\"` undone. */
const printed = (arg: string) => arg.replace(/\\/g, '\\\\').replace(/\n/g, '\\n');

describe('RedisUseTally', () => {
  it('counts by what each command was for, a script with the commands it ran, and only inside the window', () => {
    const tally = new RedisUseTally();
    // Before the window: BullMQ sends the script's source once; its commands do not count.
    tally.add(['eval', printed(MOVE_TO_ACTIVE), '2', '{p}:q:notify:wait', '{p}:q:notify:active'], client);
    tally.add(['RPOPLPUSH', '{p}:q:notify:wait', '{p}:q:notify:active'], 'lua');
    tally.add(['get', '{p}:run:1'], client);
    tally.add(['echo', WINDOW_START], client);
    tally.add(['config', 'RESETSTAT'], client);
    tally.add(['evalsha', sha(MOVE_TO_ACTIVE), '2', '{p}:q:notify:wait', '{p}:q:notify:active'], client);
    tally.add(['RPOPLPUSH', '{p}:q:notify:wait', '{p}:q:notify:active'], 'lua');
    tally.add(['HGETALL', '{p}:q:notify:summary-1'], 'lua');
    // A flightdeck script that takes a run's render lock is the render queue's, though its first key is the run.
    tally.add(['evalsha', 'f'.repeat(40), '3', '{p}:run:7', '{p}:render-due-at', '{p}:render-lock:7', '5'], client);
    tally.add(['HGET', '{p}:run:7', 'seq'], 'lua');
    tally.add(['evalsha', UPDATE_RUN_SCRIPT.sha, '2', '{p}:run:7', '{p}:audit'], client);
    tally.add(['hmget', '{p}:run:7', 'doc'], client);
    tally.add(['hmget', '{p}:run:8', 'doc'], client);
    tally.add(['time'], client);
    tally.add(['info', 'commandstats'], client);
    tally.add(['echo', WINDOW_END], client);
    tally.add(['get', '{p}:run:9'], client);

    const uses = tally.result();
    expect(uses).toEqual([
      { use: 'BullMQ notify: Move next job to be processed to active, lock it and fetch its data.', area: 'BullMQ notify queue', commands: 3, calls: 1 },
      { use: 'script on run (3 keys)', area: 'render queue and waiters', commands: 2, calls: 1 },
      { use: 'hmget run', area: 'run store', commands: 2, calls: 2 },
      { use: 'run write (update-run)', area: 'run store', commands: 1, calls: 1 },
      { use: 'time', area: 'keyless (TIME, PING)', commands: 1, calls: 1 },
    ]);
    expect(byArea(uses)).toEqual([
      { area: 'BullMQ notify queue', commands: 3 },
      { area: 'run store', commands: 3 },
      { area: 'render queue and waiters', commands: 2 },
      { area: 'keyless (TIME, PING)', commands: 1 },
    ]);
  });

  it('names a BullMQ script it never saw the source of by its digest', () => {
    const tally = new RedisUseTally();
    tally.add(['echo', WINDOW_START], client);
    tally.add(['evalsha', 'a'.repeat(40), '1', '{p}:q:steps:wait'], client);
    expect(tally.result()).toEqual([{ use: 'BullMQ steps: script aaaaaaaa', area: 'BullMQ steps queue', commands: 1, calls: 1 }]);
  });
});

describe('unrepr', () => {
  it('undoes what MONITOR escaped in an argument', () => {
    expect(unrepr('local a = 1\\nreturn \\"x\\" .. \\\\ .. \\x41\\t')).toBe('local a = 1\nreturn "x" .. \\ .. A\t');
  });
});

describe('keyKind', () => {
  it('is the key without its hash tag, up to its first id; a queue key names its queue', () => {
    expect(keyKind('{flightdeck}:run:42')).toBe('run');
    expect(keyKind('{bench-runs-1a}:write-turn:render:42')).toBe('write-turn');
    expect(keyKind('{flightdeck}:q:steps:step-42-deploy')).toBe('q:steps');
    expect(keyKind('{flightdeck}:run-summaries')).toBe('run-summaries');
  });
});
