import { WebClient } from '@slack/web-api';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSlackEmulator, type SlackEmulator } from '../../sandbox/slack/index.js';
import { NameCache, namePeople } from '../../src/slack/name-people.js';

// A deployment log names the people in it through users.info; the same people appear in run after run, so a
// name Slack gave is kept for a while instead of asked for again for every log.

let slack: SlackEmulator;
let client: WebClient;

beforeAll(async () => {
  slack = await startSlackEmulator();
  client = new WebClient(slack.token, { slackApiUrl: slack.apiUrl, retryConfig: { retries: 0 } });
});

afterAll(async () => {
  await slack.close();
});

const lookups = () => slack.calls.filter((call) => call.method === 'users.info').length;

describe('namePeople', () => {
  it('asks Slack once per person while the cache holds the name, and again once it is older than ten minutes', async () => {
    let now = 1_000_000;
    const cache = new NameCache(() => now);
    const before = lookups();
    expect(await namePeople(client, ['U0ALICE', 'flightdeck', 'U0ALICE', 'U0BOB'], cache)).toEqual({ U0ALICE: 'Alice Example', U0BOB: 'Bob Example' });
    expect(lookups() - before).toBe(2);
    expect(await namePeople(client, ['U0BOB', 'U0ALICE'], cache)).toEqual({ U0ALICE: 'Alice Example', U0BOB: 'Bob Example' });
    expect(lookups() - before).toBe(2);
    now += 10 * 60_000 + 1;
    await namePeople(client, ['U0ALICE'], cache);
    expect(lookups() - before).toBe(3);
  });

  it('keeps no answer for a person Slack cannot name, so the next log asks again', async () => {
    const cache = new NameCache();
    const before = lookups();
    expect(await namePeople(client, ['U0NOBODY'], cache)).toEqual({});
    expect(await namePeople(client, ['U0NOBODY'], cache)).toEqual({});
    expect(lookups() - before).toBe(2);
  });
});
