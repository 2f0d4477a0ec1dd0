import type { SeededRandom } from './seeded-random.js';

/** One generated delivery: a slash command's text or fields, or an interaction's raw form body. */
export type FuzzInput =
  | { kind: 'slash'; label: string; fields: Record<string, string>; malformed: boolean }
  | { kind: 'interaction'; label: string; body: string; malformed: boolean };

export interface FuzzContext {
  services: readonly string[];
  subcommands: readonly string[];
  interactionIds: readonly string[];
  /** Well-formed slash command fields for a text (fresh trigger id and response URL). */
  slashFields(text: string): Record<string, string>;
  /** A fresh response URL the Slack emulator accepts. */
  responseUrl(): string;
}

/**
 * Slack markup a person or a workload might slip into text flightdeck shows: mentions that notify a whole
 * channel, links dressed as buttons, dates and user groups. None may ever come back unescaped.
 */
export const MARKUP_INJECTIONS = [
  '<!channel>',
  '<!here>',
  '<!everyone>',
  '<https://evil.example/approve|Approve>',
  '<@U0ADMIN>',
  '<#C0PROD|prod>',
  '<!subteam^S0SEC>',
  '<!date^1700000000^{date}|now>',
  '<mailto:ops@example.com|ops>',
  '```\n<!channel>\n```',
] as const;

export const INJECTIONS = [
  ...MARKUP_INJECTIONS,
  '<script>alert(1)</script>',
  "'; DROP TABLE runs; --",
  '{{service}}',
  // biome-ignore lint/suspicious/noTemplateCurlyInString: an injection attempt, sent as literal text on purpose.
  '${process.env.SLACK_BOT_TOKEN}',
  '$(rm -rf /)',
  '`rm -rf /`',
  '../../etc/passwd',
  '%s%s%n',
  '<@U0ALICE>',
  "' OR '1'='1",
  '{"$gt":""}',
  '__proto__',
  'constructor',
  'null',
  '-1',
  '1e309',
  '*bold* _it_ ~strike~ ```code```',
  '\\',
] as const;

const UNICODE = ['🚀', 'déploiement', 'שלום', '\u202eevil', 'a\u200bb', 'e\u0301', '𝓪𝓹𝓲', '中文服务', '\uFEFF', '\uD800', 'ǅ'];
const CONTROL = ['\u0000', '\u0001', '\u0007', '\b', '\t', '\n', '\r', '\u001b[31m', '\u007f', '\u0085', '\u2028'];
const IMAGE_TAG = /^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$/;

function token(random: SeededRandom, max = 16): string {
  let text = '';
  for (let i = random.int(1, max); i > 0; i -= 1) text += String.fromCharCode(random.int(33, 126));
  return text;
}

function nasty(random: SeededRandom): string {
  switch (random.int(0, 5)) {
    case 0:
      return random.pick(INJECTIONS);
    case 1:
      return random.pick(UNICODE) + token(random, 4);
    case 2:
      return `${token(random, 4)}${random.pick(CONTROL)}${token(random, 4)}`;
    case 3:
      return random.chance(0.5) ? 'A'.repeat(10_000) : Array.from({ length: 10_000 }, () => String.fromCharCode(random.int(32, 0x2fff))).join('');
    case 4:
      return token(random);
    default:
      return String(random.int(-1_000_000, 1_000_000));
  }
}

/** Never an image tag: with a catalog service in front it must still be refused. */
function badVersion(random: SeededRandom): string {
  const text = nasty(random).trim();
  return IMAGE_TAG.test(text) ? `${text}!` : text === '' ? '!' : text;
}

function slashText(random: SeededRandom, ctx: FuzzContext): { label: string; text: string } {
  const service = random.pick(ctx.services);
  switch (random.int(0, 8)) {
    case 0:
      return { label: 'random words', text: Array.from({ length: random.int(1, 6) }, () => token(random)).join(' ') };
    case 1:
      return { label: 'service + bad version', text: `${service} ${badVersion(random)}` };
    case 2:
      return { label: 'bad service', text: `${nasty(random)} v1.2.3 to production` };
    case 3:
      return { label: 'bad environment', text: `${service} v1.2.3 to ${nasty(random)}` };
    case 4:
      return { label: 'trailing words', text: `${service} v1.2.3 to production ${nasty(random)}` };
    case 5:
      return { label: 'subcommand + junk', text: `${random.pick(ctx.subcommands.length > 0 ? ctx.subcommands : ['help'])} ${nasty(random)}` };
    case 6:
      return {
        label: 'subcommand + service + junk',
        text: `${random.pick(ctx.subcommands.length > 0 ? ctx.subcommands : ['help'])} ${service} ${badVersion(random)}`,
      };
    case 7:
      return { label: '10 kB text', text: nasty(random).repeat(1).padEnd(10_000, random.pick(['x', ' ', '\u00e9', '<'])) };
    default:
      return { label: 'control characters', text: `${service}${random.pick(CONTROL)}${badVersion(random)}${random.pick(CONTROL)}` };
  }
}

function slash(random: SeededRandom, ctx: FuzzContext): FuzzInput {
  const { label, text } = slashText(random, ctx);
  const fields = ctx.slashFields(text);
  if (random.chance(0.1)) {
    // Wrong or missing envelope fields: Slack never sends these, but a forwarder or a proxy might.
    const key = random.pick(['user_id', 'channel_id', 'text', 'response_url', 'trigger_id', 'team_id']);
    if (random.chance(0.5)) delete fields[key];
    else fields[key] = nasty(random);
    return { kind: 'slash', label: `${label}, ${key} broken`, fields, malformed: true };
  }
  return { kind: 'slash', label, fields, malformed: false };
}

const body = (payload: unknown) => new URLSearchParams({ payload: typeof payload === 'string' ? payload : JSON.stringify(payload) }).toString();

function actionId(random: SeededRandom, ctx: FuzzContext): string {
  const id = ctx.interactionIds.length > 0 ? random.pick(ctx.interactionIds) : 'item.tick';
  return random.chance(0.5) ? `${id}.${random.chance(0.5) ? 'ready' : nasty(random).slice(0, 200)}` : id;
}

function actionValue(random: SeededRandom): unknown {
  switch (random.int(0, 4)) {
    case 0:
      return `${random.int(1, 99_999)}:ready`;
    case 1:
      return String(random.int(1, 99_999));
    case 2:
      return nasty(random);
    case 3:
      return random.pick([5, null, true, { run: '1' }, ['1']]);
    default:
      return JSON.stringify({ runId: String(random.int(1, 50)), service: 'svc-00', version: badVersion(random) });
  }
}

function blockActions(random: SeededRandom, ctx: FuzzContext, wrongTypes: boolean): Record<string, unknown> {
  const payload: Record<string, unknown> = {
    type: 'block_actions',
    user: { id: random.pick(['U0ALICE', 'U0BOB', 'U0NOBODY']), username: 'alice', name: 'alice', team_id: 'T0TEST' },
    api_app_id: 'A0BOT',
    token: 'legacy',
    trigger_id: `${random.int(1, 1e9)}.trigger`,
    team: { id: 'T0TEST', domain: 'acme' },
    container: { type: 'message', message_ts: '1700000000.000100', channel_id: 'C0DEPLOY', is_ephemeral: false },
    channel: { id: 'C0DEPLOY', name: 'deploys' },
    response_url: ctx.responseUrl(),
    actions: [{ type: 'button', action_id: actionId(random, ctx), block_id: token(random, 8), value: actionValue(random), action_ts: '1700000000.1' }],
  };
  if (wrongTypes) {
    const key = random.pick(['user', 'actions', 'type', 'container', 'channel', 'response_url', 'team', 'trigger_id']);
    payload[key] = random.pick([5, null, 'x', [], [null], { id: 7 }, true, nasty(random)]);
  }
  return payload;
}

function viewSubmission(random: SeededRandom, ctx: FuzzContext, wrongTypes: boolean): Record<string, unknown> {
  const callback = ctx.interactionIds.length > 0 ? random.pick(ctx.interactionIds) : 'flightdeck.deploy';
  const value = () => ({ type: 'plain_text_input', value: random.chance(0.5) ? badVersion(random) : nasty(random) });
  const payload: Record<string, unknown> = {
    type: 'view_submission',
    team: { id: 'T0TEST', domain: 'acme' },
    user: { id: 'U0ALICE', username: 'alice', name: 'alice', team_id: 'T0TEST' },
    api_app_id: 'A0BOT',
    token: 'legacy',
    trigger_id: `${random.int(1, 1e9)}.trigger`,
    view: {
      id: `V${random.int(1, 1e6)}`,
      type: 'modal',
      callback_id: callback,
      private_metadata: random.chance(0.5) ? nasty(random) : JSON.stringify({ channel: 'C0DEPLOY', runId: String(random.int(1, 99)) }),
      state: { values: { service: { value: value() }, version: { value: value() }, environment: { value: value() }, [token(random, 6)]: { [token(random, 6)]: value() } } },
      hash: 'h',
    },
  };
  if (wrongTypes) {
    const view = payload.view as Record<string, unknown>;
    const key = random.pick(['state', 'callback_id', 'private_metadata', 'id']);
    view[key] = random.pick([5, null, 'x', [], { values: 'nope' }, true]);
  }
  return payload;
}

function interaction(random: SeededRandom, ctx: FuzzContext): FuzzInput {
  switch (random.int(0, 9)) {
    case 0:
      return { kind: 'interaction', label: 'payload is not JSON', body: body(`{${token(random)}`), malformed: true };
    case 1:
      return { kind: 'interaction', label: 'payload is a JSON scalar or array', body: body(random.pick(['null', '[]', '5', '"x"', '[{"type":"block_actions"}]'])), malformed: true };
    case 2:
      return { kind: 'interaction', label: 'no payload field', body: random.chance(0.5) ? '' : new URLSearchParams({ junk: nasty(random) }).toString(), malformed: true };
    case 3:
      return { kind: 'interaction', label: 'unknown interaction type', body: body({ ...blockActions(random, ctx, false), type: nasty(random) }), malformed: true };
    case 4:
    case 5:
      return { kind: 'interaction', label: 'block_actions with wrong types', body: body(blockActions(random, ctx, true)), malformed: true };
    case 6:
      return { kind: 'interaction', label: 'view_submission with junk', body: body(viewSubmission(random, ctx, random.chance(0.4))), malformed: false };
    default:
      return { kind: 'interaction', label: 'block_actions on no real run', body: body(blockActions(random, ctx, false)), malformed: false };
  }
}

/** `count` seeded deliveries, half slash commands and half interactions. */
export function generateFuzzInputs(random: SeededRandom, count: number, ctx: FuzzContext): FuzzInput[] {
  return Array.from({ length: count }, (_, index) => (index % 2 === 0 ? slash(random, ctx) : interaction(random, ctx)));
}
