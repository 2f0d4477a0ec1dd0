import { isDeepStrictEqual } from 'node:util';
import type { RecordedCall } from '../../sandbox/slack/index.js';

/** Equal but for the `block_id`s Slack adds to blocks sent without one. */
export function sameBlocks(shown: readonly object[] | undefined, expected: readonly object[]): boolean {
  if (!Array.isArray(shown) || shown.length !== expected.length) return false;
  return shown.every((block, i) => {
    const own = expected[i] as { block_id?: string };
    const { block_id: _added, ...rest } = block as { block_id?: string };
    return isDeepStrictEqual(own.block_id === undefined ? rest : block, own);
  });
}

/**
 * When the message `ts` of `channel` came to show `expected` for good, by the Slack emulator's record: the
 * time of the first accepted write (its post or an edit) from which every later write sent exactly that.
 * Undefined when its last write did not. (A ts names a message only within its channel.)
 */
export function convergedAt(calls: readonly RecordedCall[], channel: string, ts: string, expected: readonly object[]): number | undefined {
  const writes = calls.filter(
    (call) =>
      call.response.ok === true &&
      call.args.channel === channel &&
      ((call.method === 'chat.update' && call.args.ts === ts) || (call.method === 'chat.postMessage' && call.response.ts === ts && call.args.thread_ts === undefined)),
  );
  let from = writes.length;
  while (from > 0 && sameBlocks(writes[from - 1]!.args.blocks as object[], expected)) from -= 1;
  return writes[from]?.at;
}
