import { describe, expect, it } from 'vitest';
import { tallySlack } from '../../bench/many-runs/tally-calls.js';
import type { RecordedCall } from '../../sandbox/slack/index.js';

const call = (method: string, status = 200, ok = status === 200): RecordedCall => ({ method, args: {}, at: 0, status, response: { ok } });

describe('tallySlack', () => {
  it('counts as writes the posts, edits and file shares Slack took, not the upload URL, a 429 nor a refusal', () => {
    const calls = [
      call('chat.postMessage'),
      call('chat.update', 429),
      call('chat.update'),
      call('chat.postMessage', 200, false),
      call('files.getUploadURLExternal'),
      call('files.completeUploadExternal'),
      call('users.info'),
    ];
    const tally = tallySlack(calls, 2);
    expect(tally).toMatchObject({ total: 7, perRun: 3.5, rateLimited: 1, writesPerRun: 1.5 });
    expect(tally.byKind).toContainEqual(['chat.update', 2]);
  });
});
