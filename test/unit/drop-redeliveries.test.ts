import { describe, expect, it } from 'vitest';
import { createLogger } from '../../src/observability/create-logger.js';
import { dropRedeliveries, LISTENER_CLAIM_CONTEXT } from '../../src/slack/drop-redeliveries.js';
import { runActionClaim } from '../../src/slack/register-run-actions.js';
import { commandOnlyReads } from '../../src/slack/command-only-reads.js';
import { deployCommand } from '../../commands/deploy.js';
import { rollbackCommand } from '../../commands/rollback.js';
import type { CommandDefinition } from '../../commands/command-definition.js';

/** A click on a run message's Done button, as Bolt hands it to global middleware. */
function clickArgs(taken: Set<string>) {
  const body = { type: 'block_actions', trigger_id: 'T1', user: { id: 'U0BOB' }, actions: [{ action_id: 'item.tick.ci-green', action_ts: '1.2', value: '7:ci-green' }] };
  const seen = { acked: 0, next: 0 };
  const args = {
    body,
    context: {} as Record<string, unknown>,
    ack: async () => {
      seen.acked += 1;
    },
    next: async () => {
      seen.next += 1;
    },
  };
  const calls: string[][] = [];
  const store = {
    async claimOnce(key: string) {
      calls.push([key]);
      if (taken.has(key)) return false;
      taken.add(key);
      return true;
    },
    async claimInOrder(claims: readonly { key: string }[], thenRead?: string) {
      calls.push([...claims.map((claim) => claim.key), `read ${thenRead}`]);
      let claimed = 0;
      for (const { key } of claims) {
        if (taken.has(key)) break;
        taken.add(key);
        claimed += 1;
      }
      return claimed === claims.length ? { claimed, read: () => null } : { claimed };
    },
  };
  const middleware = dropRedeliveries(store, createLogger('silent'), runActionClaim);
  return { run: () => middleware(args as never), args, seen, calls };
}

describe('dropRedeliveries with a run button’s click claim', () => {
  it('claims the delivery and the click and reads the run in one call, and tells the listener it won the click', async () => {
    const { run, args, seen, calls } = clickArgs(new Set());
    await run();
    expect(calls).toEqual([['delivery:T1', 'click:1.2:U0BOB:item.tick.ci-green:7:ci-green', 'read 7']]);
    expect(args.context[LISTENER_CLAIM_CONTEXT]).toEqual({ key: 'click:1.2:U0BOB:item.tick.ci-green:7:ci-green', won: true, read: expect.any(Function) });
    expect(seen).toEqual({ acked: 0, next: 1 });
  });

  it('passes a new delivery of a click already claimed to the listener as lost, which drops it', async () => {
    const { run, args, seen } = clickArgs(new Set(['click:1.2:U0BOB:item.tick.ci-green:7:ci-green']));
    await run();
    expect(args.context[LISTENER_CLAIM_CONTEXT]).toEqual({ key: 'click:1.2:U0BOB:item.tick.ci-green:7:ci-green', won: false, read: undefined });
    expect(seen).toEqual({ acked: 0, next: 1 });
  });

  it('acks and drops a repeated delivery without passing it on', async () => {
    const { run, args, seen } = clickArgs(new Set(['delivery:T1']));
    await run();
    expect(args.context[LISTENER_CLAIM_CONTEXT]).toBeUndefined();
    expect(seen).toEqual({ acked: 1, next: 0 });
  });

  it('drops a delivery it claimed itself, delivered again, without asking Redis', async () => {
    const { run, seen, calls } = clickArgs(new Set());
    await run();
    await run();
    expect(calls).toHaveLength(1);
    expect(seen).toEqual({ acked: 1, next: 1 });
  });

  it('asks Redis about a delivery another process claimed', async () => {
    const taken = new Set<string>();
    await clickArgs(taken).run();
    const other = clickArgs(taken);
    await other.run();
    expect(other.calls).toEqual([['delivery:T1', 'click:1.2:U0BOB:item.tick.ci-green:7:ci-green', 'read 7']]);
    expect(other.seen).toEqual({ acked: 1, next: 0 });
  });

  it('claims only the delivery for a button that is not a run action', async () => {
    const { run, args, calls } = clickArgs(new Set());
    args.body.actions[0]!.action_id = 'rollback.open';
    await run();
    expect(calls).toEqual([['delivery:T1']]);
    expect(args.context[LISTENER_CLAIM_CONTEXT]).toBeUndefined();
  });
});

describe('dropRedeliveries with a command that only reads', () => {
  const commands = [deployCommand, rollbackCommand] as CommandDefinition<unknown>[];

  /** Delivers `/command text` once; returns whether it was claimed and whether it reached the listener. */
  async function deliver(command: string, text: string, taken = new Set<string>()) {
    const claimed: string[] = [];
    const seen = { acked: 0, next: 0 };
    const store = {
      async claimOnce(key: string) {
        claimed.push(key);
        if (taken.has(key)) return false;
        taken.add(key);
        return true;
      },
      claimInOrder: async () => ({ claimed: 0 }),
    };
    const middleware = dropRedeliveries(store, createLogger('silent'), undefined, commandOnlyReads(commands));
    await middleware({
      body: { command, text, trigger_id: 'T9', user_id: 'U0BOB' },
      command: { command, text },
      context: {},
      ack: async () => void (seen.acked += 1),
      next: async () => void (seen.next += 1),
    } as never);
    return { claimed, seen };
  }

  it.each([
    ['/deploy', 'help'],
    ['/deploy', 'help lock'],
    ['/deploy', 'status'],
    ['/deploy', 'history api production'],
    ['/deploy', 'lock'],
    ['/rollback', 'help'],
  ])('answers %s %s again, however often it comes, without claiming its delivery', async (command, text) => {
    const taken = new Set(['delivery:T9']);
    expect(await deliver(command, text, taken)).toEqual({ claimed: [], seen: { acked: 0, next: 1 } });
  });

  it.each([
    ['/deploy', 'api v1.4.2 to production'],
    ['/deploy', ''],
    ['/deploy', 'stats'],
    ['/deploy', 'log 12'],
    ['/deploy', 'cancel 12'],
    ['/rollback', 'api production'],
    ['/unknown', 'help'],
  ])('drops a second delivery of %s %s as already handled', async (command, text) => {
    const taken = new Set<string>();
    expect(await deliver(command, text, taken)).toEqual({ claimed: ['delivery:T9'], seen: { acked: 0, next: 1 } });
    expect(await deliver(command, text, taken)).toEqual({ claimed: ['delivery:T9'], seen: { acked: 1, next: 0 } });
  });
});
