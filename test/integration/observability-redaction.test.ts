import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { loadEnv } from '../../src/config/load-env.js';
import { createLogger } from '../../src/observability/create-logger.js';

const BOT_TOKEN = 'xoxb-1111-2222-redaction-bot-token';
const SIGNING_SECRET = 'f00dfeedcafe-redaction-signing-secret';
const APP_TOKEN = 'xapp-1-A0APP-redaction-app-token';
const ROUTING_KEY = 'R0UTINGKEY-redaction-0123456789';
const REDIS_PASSWORD = 'redaction-redis-p@ss';

/** A logger writing into memory, configured as `flightdeck serve` configures it. */
function capture(secrets: string[]) {
  let text = '';
  const sink = new Writable({
    write(chunk: Buffer, _encoding, done) {
      text += chunk.toString();
      done();
    },
  });
  const logger = createLogger('trace', sink, { secrets });
  return { logger, lines: () => text.trim().split('\n'), text: () => text };
}

describe('log redaction', () => {
  const secrets = [BOT_TOKEN, SIGNING_SECRET, ROUTING_KEY, REDIS_PASSWORD];

  it('keeps every credential out of every line, whatever field or text carries it', () => {
    const { logger, lines, text } = capture(secrets);
    logger.info({ token: BOT_TOKEN, signingSecret: SIGNING_SECRET }, 'top-level fields');
    logger.info({ slack: { botToken: BOT_TOKEN, appToken: APP_TOKEN }, pagerduty: { routingKey: ROUTING_KEY } }, 'nested fields');
    logger.info({ request: { headers: { authorization: `Bearer ${BOT_TOKEN}` } } }, 'headers');
    logger.warn(`calling Slack with ${BOT_TOKEN} failed`);
    logger.error({ err: new Error(`signature mismatch for ${SIGNING_SECRET}`) }, 'error with the secret in message and stack');
    logger.info({ url: `redis://default:${REDIS_PASSWORD}@redis:6379/0` }, 'Redis URL as a value');
    logger.info(`connecting to rediss://:another-unlisted-password@cache:6380`);
    logger.debug({ detail: 'xoxp-unlisted-user-token-123 and xoxe.xoxp-1-refresh and xapp-9-unlisted' }, 'Slack-shaped tokens nobody listed');
    logger.child({ run: '42', routing_key: ROUTING_KEY }).info({ payload: JSON.stringify({ routing_key: ROUTING_KEY }) }, 'child and embedded JSON');

    const output = text();
    for (const secret of [...secrets, APP_TOKEN, 'another-unlisted-password', 'xoxp-unlisted', 'xoxe.xoxp-1-refresh', 'xapp-9-unlisted']) {
      expect(output).not.toContain(secret);
    }
    expect(output).not.toContain('1111-2222');
    // Every line is still valid JSON after scrubbing, and says where something was removed.
    const parsed = lines().map((line) => JSON.parse(line) as Record<string, unknown>);
    expect(parsed).toHaveLength(9);
    for (const line of parsed) expect(JSON.stringify(line)).toContain('[redacted]');
    expect(parsed[8]).toMatchObject({ run: '42', msg: 'child and embedded JSON' });
    expect(parsed[5]!.url).toBe('redis://default:[redacted]@redis:6379/0');
  });

  it('leaves ordinary lines untouched', () => {
    const { logger, lines } = capture(secrets);
    logger.info({ run: '7', item: 'wait', detail: 'api rolled out: 3 of 3 updated replicas are available' }, 'step succeeded');
    expect(JSON.parse(lines()[0]!)).toMatchObject({ run: '7', item: 'wait', detail: 'api rolled out: 3 of 3 updated replicas are available' });
  });

  it('never prints the secrets of a whole logged Env', () => {
    const env = loadEnv({ SLACK_BOT_TOKEN: BOT_TOKEN, SLACK_SIGNING_SECRET: SIGNING_SECRET, REDIS_URL: `redis://:${REDIS_PASSWORD}@r:6379` });
    const { logger, text } = capture([]);
    logger.info({ env }, 'configuration');
    expect(text()).not.toContain(SIGNING_SECRET);
    expect(text()).not.toContain(REDIS_PASSWORD);
    expect(text()).not.toContain(BOT_TOKEN);
  });
});
