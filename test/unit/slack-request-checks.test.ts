import { createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { checkSlackEnvelope, isSslCheck, slackBodyOf } from '../../src/slack/check-slack-envelope.js';
import { findMalformedInteraction } from '../../src/slack/find-malformed-interaction.js';
import { verifySlackSignature } from '../../src/slack/verify-slack-signature.js';
import { signSlackRequest } from '../../sandbox/slack/index.js';

const SECRET = 'unit-signing-secret';
const NOW = 1_700_000_000;
const FORM = 'application/x-www-form-urlencoded';

function signed(body: string, timestampSeconds = NOW, secret = SECRET) {
  const headers = signSlackRequest(secret, body, timestampSeconds);
  return { timestamp: headers['x-slack-request-timestamp'], signature: headers['x-slack-signature'], rawBody: Buffer.from(body) };
}

describe('verifySlackSignature', () => {
  const body = 'command=%2Fdeploy&text=web+v1';

  it.each([0, 1, 299, 300, -299, -300])('believes a correct signature %i s from now', (skew) => {
    expect(verifySlackSignature(signed(body, NOW + skew), SECRET, NOW)).toBeUndefined();
  });

  it.each([301, 360, 86_400, -301, -360, -86_400])('refuses a correct signature %i s from now, in the past or the future alike', (skew) => {
    expect(verifySlackSignature(signed(body, NOW + skew), SECRET, NOW)).toBe('timestamp more than 5 minutes from now');
  });

  it.each([
    ['the wrong secret', { ...signed(body, NOW, 'other-secret') }, 'signature mismatch'],
    ['another body', { ...signed(body), rawBody: Buffer.from(`${body}&x=1`) }, 'signature mismatch'],
    ['a truncated signature', { ...signed(body), signature: signed(body).signature.slice(0, -1) }, 'signature mismatch'],
    ['another version', { ...signed(body), signature: signed(body).signature.replace('v0=', 'v1=') }, 'signature mismatch'],
    ['no signature', { ...signed(body), signature: undefined }, 'signature or timestamp header missing'],
    ['no timestamp', { ...signed(body), timestamp: undefined }, 'signature or timestamp header missing'],
    ['a timestamp that is not a number', { ...signed(body), timestamp: '17e8' }, 'timestamp is not unix seconds'],
    ['a negative timestamp', { ...signed(body), timestamp: '-1' }, 'timestamp is not unix seconds'],
  ])('refuses %s', (_what, request, reason) => {
    expect(verifySlackSignature(request, SECRET, NOW)).toBe(reason);
  });

  it('signs the raw bytes, so a body that is not UTF-8 still verifies', () => {
    const rawBody = Buffer.from([0x70, 0x3d, 0xff, 0xfe]);
    const digest = createHmac('sha256', SECRET).update(`v0:${NOW}:`).update(rawBody).digest('hex');
    expect(verifySlackSignature({ timestamp: String(NOW), signature: `v0=${digest}`, rawBody }, SECRET, NOW)).toBeUndefined();
  });
});

const payload = (value: unknown) => new URLSearchParams({ payload: typeof value === 'string' ? value : JSON.stringify(value) }).toString();

describe('checkSlackEnvelope', () => {
  it.each([
    ['a slash command', 'command=%2Fdeploy&text=help&user_id=U1', FORM],
    ['an interaction', payload({ type: 'block_actions', actions: [] }), FORM],
    ['an interaction of a type flightdeck does not handle', payload({ type: 'shortcut' }), FORM],
    ['an Events API body', '{"type":"event_callback","event":{}}', 'application/json'],
  ])('lets %s through', (_what, body, contentType) => {
    expect(checkSlackEnvelope(slackBodyOf(body, contentType))).toBeUndefined();
  });

  it.each([
    ['payload=null', 'payload=null'],
    ['a number', payload('5')],
    ['a string', payload('"x"')],
    ['an array', payload('[{"type":"block_actions"}]')],
    ['an object without type', payload({ actions: [] })],
    ['an object with a numeric type', payload({ type: 5 })],
    ['not JSON', payload('{oops')],
  ])('refuses an interaction whose payload is %s', (_what, body) => {
    expect(checkSlackEnvelope(slackBodyOf(body, FORM))).toBe('`payload` is not a JSON object with a string `type`');
  });

  it.each([
    ['a repeated field', 'command=%2Fdeploy&text=a&text=b', 'a form field appears more than once'],
    ['a repeated payload', `${payload({ type: 'block_actions' })}&${payload({ type: 'block_actions' })}`, 'a form field appears more than once'],
    ['an empty form', '', 'the form carries neither `command` nor `payload`'],
    ['a form of junk', 'junk=1', 'the form carries neither `command` nor `payload`'],
  ])('refuses %s', (_what, body, reason) => {
    expect(checkSlackEnvelope(slackBodyOf(body, FORM))).toBe(reason);
  });

  it.each(['null', '[]', '5', '"x"', '{'])('refuses the JSON body %s', (body) => {
    expect(checkSlackEnvelope(slackBodyOf(body, 'application/json'))).toBe('the body is not a JSON object');
  });

  it('recognises the ssl_check probe only in a form body', () => {
    expect(isSslCheck(slackBodyOf('ssl_check=1&token=x', FORM))).toBe(true);
    expect(isSslCheck(slackBodyOf('ssl_check=1', 'application/json'))).toBe(false);
    expect(isSslCheck(slackBodyOf('ssl_check=0', FORM))).toBe(false);
  });
});

function click(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    type: 'block_actions',
    user: { id: 'U0ALICE', username: 'alice', name: 'alice', team_id: 'T0TEST' },
    api_app_id: 'A0BOT',
    trigger_id: '1.2.3',
    team: { id: 'T0TEST', domain: 'acme' },
    enterprise: null,
    container: { type: 'message', message_ts: '1700000000.000100', channel_id: 'C0DEPLOY', is_ephemeral: false },
    channel: { id: 'C0DEPLOY', name: 'deploys' },
    response_url: 'http://127.0.0.1:4010/response/abc',
    actions: [{ type: 'button', action_id: 'run.abort', block_id: 'controls', value: '7', action_ts: '1700000012.345678' }],
    ...overrides,
  };
}

function submission(view: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    type: 'view_submission',
    team: { id: 'T0TEST', domain: 'acme' },
    user: { id: 'U0ALICE', team_id: 'T0TEST' },
    trigger_id: '1.2.4',
    view: {
      id: 'V0MODAL',
      type: 'modal',
      callback_id: 'rollback.confirm',
      private_metadata: '',
      state: { values: { reason: { reason_input: { type: 'plain_text_input', value: null } } } },
      ...view,
    },
    response_urls: [],
  };
}

describe('findMalformedInteraction', () => {
  it.each([
    ['a click on a message', click()],
    ['a click in a modal (no channel, no response_url)', click({ channel: undefined, response_url: undefined, container: { type: 'view', view_id: 'V1' }, view: { id: 'V1' } })],
    ['a click from an org-wide install (team null)', click({ team: null })],
    ['a button without a value', click({ actions: [{ type: 'button', action_id: 'x', block_id: 'b', action_ts: '1' }] })],
    ['a modal submission', submission()],
    ['a command', { command: '/deploy', text: 'help' }],
    ['an interaction of another type', { type: 'shortcut', user: null }],
  ])('passes %s', (_what, body) => {
    expect(findMalformedInteraction(body)).toBeUndefined();
  });

  it.each([
    ['user null', click({ user: null }), 'user'],
    ['user without id', click({ user: { name: 'alice' } }), 'user.id'],
    ['response_url true', click({ response_url: true }), 'response_url'],
    ['response_url not a URL', click({ response_url: 'x' }), 'response_url'],
    ['actions a number', click({ actions: 5 }), 'actions'],
    ['actions empty', click({ actions: [] }), 'actions'],
    ['actions [null]', click({ actions: [null] }), 'actions.0'],
    ['a value that is not a string', click({ actions: [{ type: 'button', action_id: 'run.abort', block_id: 'b', action_ts: '1', value: 5 }] }), 'actions.0.value'],
    ['channel null', click({ channel: null }), 'channel'],
    ['channel id a number', click({ channel: { id: 7 } }), 'channel.id'],
    ['container a string', click({ container: 'x' }), 'container'],
    ['team true', click({ team: true }), 'team'],
    ['trigger_id a number', click({ trigger_id: 5 }), 'trigger_id'],
  ])('refuses a click with %s', (_what, body, fields) => {
    expect(findMalformedInteraction(body)).toEqual({ type: 'block_actions', fields });
  });

  it.each([
    ['state 5', { state: 5 }, 'view.state'],
    ['state without values', { state: { values: 'nope' } }, 'view.state.values'],
    ['callback_id null', { callback_id: null }, 'view.callback_id'],
    ['private_metadata true', { private_metadata: true }, 'view.private_metadata'],
    ['id a number', { id: 5 }, 'view.id'],
  ])('refuses a submission with %s', (_what, view, fields) => {
    expect(findMalformedInteraction(submission(view))).toEqual({ type: 'view_submission', fields });
  });

  it('refuses a submission whose view is null', () => {
    expect(findMalformedInteraction({ ...submission(), view: null })).toEqual({ type: 'view_submission', fields: 'view' });
  });
});
