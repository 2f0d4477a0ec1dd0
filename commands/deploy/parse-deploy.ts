import { escapeMrkdwn } from '../../src/format/escape-mrkdwn.js';
import { z } from 'zod';
import { IMAGE_TAG } from '../../src/config/image-tag.js';
import { FlightdeckError } from '../../src/errors/flightdeck-error.js';
import { DEPLOY_FORMS, DEPLOY_USAGE, SUBCOMMANDS, type DeployForm, type Subcommand } from './deploy-usage.js';

const NAME = /^[a-z0-9][a-z0-9-]{0,62}$/;
const RUN_ID = /^#?([1-9][0-9]{0,15})$/;
/** Long enough for a sentence and a ticket link; a lock reason is shown in every refusal it causes. */
const MAX_REASON = 300;
/** A freeze's length: a whole number and a unit (minutes, hours, days). */
const FREEZE_DURATION = /^([1-9][0-9]{0,3})(m|h|d)$/;
/** A freeze's end: a date (its midnight in the environment's zone, see freezeEnvironment) or a date and time with a zone. */
const UNTIL = /^\d{4}-\d{2}-\d{2}(?:T\d{2}:\d{2}(?::\d{2})?(?:Z|[+-]\d{2}:\d{2}))?$/;
/** The longest freeze `/deploy freeze` declares; longer ones belong in the catalog, where everyone can read them. */
const MAX_FREEZE_MS = 90 * 86_400_000;
/** The longest range `/deploy stats` reads: run documents are kept RUN_RETENTION_DAYS (90 by default). */
const MAX_STATS_DAYS = 90;
const DEFAULT_STATS_DAYS = 30;
const UNIT_MS = { m: 60_000, h: 3_600_000, d: 86_400_000 } as const;

const name = z.string().regex(NAME);

export const deployRequestSchema = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('modal') }),
  z.object({ kind: z.literal('help'), topic: z.enum(DEPLOY_FORMS).optional() }),
  z.object({
    kind: z.literal('deploy'),
    service: name,
    version: z.string().regex(IMAGE_TAG),
    environment: name.optional(),
    /** `--emergency <reason>`: the override of windows and freezes, which needs a second person's approval. */
    emergency: z.string().min(1).max(MAX_REASON).optional(),
  }),
  z.object({ kind: z.literal('dry-run'), service: name, version: z.string().regex(IMAGE_TAG), environment: name.optional(), replayMs: z.number().int().positive().optional() }),
  z.object({ kind: z.literal('status'), service: name.optional() }),
  z.object({ kind: z.literal('history'), service: name, environment: name.optional() }),
  z.object({
    kind: z.literal('stats'),
    service: name.optional(),
    environment: name.optional(),
    days: z.number().int().min(1).max(MAX_STATS_DAYS),
  }),
  z.object({ kind: z.literal('lock'), service: name, environment: name, reason: z.string().min(1).max(MAX_REASON) }),
  z.object({ kind: z.literal('unlock'), service: name, environment: name }),
  z.object({
    kind: z.literal('freeze'),
    environment: name,
    for: z.object({ durationMs: z.number().int().positive() }).or(z.object({ until: z.string().regex(UNTIL) })),
    reason: z.string().min(1).max(MAX_REASON),
  }),
  z.object({ kind: z.literal('unfreeze'), environment: name }),
  z.object({ kind: z.literal('cancel'), runId: z.string().regex(/^[0-9]+$/), reason: z.string().min(1).max(MAX_REASON).optional() }),
  z.object({ kind: z.literal('log'), runId: z.string().regex(/^[0-9]+$/), itemId: z.string().min(1).max(100).optional() }),
]);
export type DeployRequest = z.infer<typeof deployRequestSchema>;

/** A coded `usage` error showing the usage line of the form that was malformed. */
export function usageError(form: DeployForm, problem: string): FlightdeckError {
  const more = form === 'help' ? '' : '\n`/deploy help` lists every subcommand.';
  return new FlightdeckError('usage', problem, { remedy: `Usage: ${DEPLOY_USAGE[form]}${more}` });
}

/**
 * Turns the text after `/deploy` into a request, or a coded error that says what is wrong and shows the
 * usage of that form. Subcommand words are matched first (case-insensitively), so a service named like a
 * subcommand can only be deployed from the modal. Pure.
 *
 * @throws FlightdeckError `usage` for a malformed form, `invalid-version` for a version that is not an image tag.
 */
export function parseDeploy(text: string): DeployRequest {
  const words = text.trim().split(/\s+/).filter((word) => word.length > 0);
  const [first, ...rest] = words;
  if (first === undefined) return { kind: 'modal' };
  const sub = first.toLowerCase();
  // The schema re-checks what the hand-written readers produced, so a reader bug cannot let a bad name through.
  return deployRequestSchema.parse(isSubcommand(sub) ? SUBCOMMAND_PARSERS[sub](rest) : parseStart(words));
}

function isSubcommand(word: string): word is Subcommand {
  return (SUBCOMMANDS as readonly string[]).includes(word);
}

const SUBCOMMAND_PARSERS: Readonly<Record<Subcommand, (args: string[]) => DeployRequest>> = {
  help(args) {
    if (args.length === 0) return { kind: 'help' };
    const topic = args[0]!.toLowerCase();
    if (args.length > 1 || !(DEPLOY_FORMS as readonly string[]).includes(topic)) {
      throw usageError('help', `There is no subcommand \`${clip(args.join(' '))}\`. Subcommands: ${SUBCOMMANDS.map((s) => `\`${s}\``).join(', ')}.`);
    }
    return { kind: 'help', topic: topic as DeployForm };
  },
  status(args) {
    if (args.length > 1) throw usageError('status', `\`status\` takes at most one service, not \`${clip(args.join(' '))}\`.`);
    if (args.length === 0) return { kind: 'status' };
    return { kind: 'status', service: serviceName('status', args[0]!) };
  },
  history(args) {
    if (args.length === 0) throw usageError('history', 'Which service? Give a service name after `history`.');
    if (args.length > 2) throw usageError('history', `\`history\` takes a service and optionally an environment, not \`${clip(args.join(' '))}\`.`);
    const service = serviceName('history', args[0]!);
    return args[1] === undefined ? { kind: 'history', service } : { kind: 'history', service, environment: environmentName('history', args[1]) };
  },
  stats(args) {
    const names: string[] = [];
    let days = DEFAULT_STATS_DAYS;
    for (let i = 0; i < args.length; i++) {
      const arg = args[i]!;
      if (arg.toLowerCase() !== '--days') {
        names.push(arg);
        continue;
      }
      const value = args[++i];
      if (value === undefined || !/^[1-9][0-9]{0,2}$/.test(value) || Number(value) > MAX_STATS_DAYS) {
        throw usageError('stats', `\`--days\` takes a whole number of days from 1 to ${MAX_STATS_DAYS}${value === undefined ? '' : `, not \`${clip(value)}\``}.`);
      }
      days = Number(value);
    }
    if (names.length > 2) throw usageError('stats', `\`stats\` takes at most a service and an environment, not \`${clip(names.join(' '))}\`.`);
    const [service, environment] = names;
    return {
      kind: 'stats',
      days,
      ...(service === undefined ? {} : { service: serviceName('stats', service) }),
      ...(environment === undefined ? {} : { environment: environmentName('stats', environment) }),
    };
  },
  lock(args) {
    const [service, environment, ...reason] = args;
    if (service === undefined || environment === undefined) {
      throw usageError('lock', 'Which service and environment? Write `lock <service> <environment> <reason>`.');
    }
    const request = { service: serviceName('lock', service), environment: environmentName('lock', environment) };
    if (reason.length === 0) throw usageError('lock', 'Say why: a lock needs a reason, which everyone it stops will read.');
    return { kind: 'lock', ...request, reason: reasonText('lock', reason) };
  },
  unlock(args) {
    const [service, environment, ...extra] = args;
    if (service === undefined || environment === undefined) {
      throw usageError('unlock', 'Which service and environment? Write `unlock <service> <environment>`.');
    }
    if (extra.length > 0) throw usageError('unlock', `\`unlock\` takes a service and an environment only, not \`${clip(extra.join(' '))}\`.`);
    return { kind: 'unlock', service: serviceName('unlock', service), environment: environmentName('unlock', environment) };
  },
  freeze(args) {
    const [environment, span, ...reason] = args;
    if (environment === undefined || span === undefined) {
      throw usageError('freeze', 'Which environment, and for how long? Write `freeze <environment> <duration|until> <reason>`, e.g. `freeze production 2d release candidate soak`.');
    }
    const env = environmentName('freeze', environment);
    const duration = FREEZE_DURATION.exec(span.toLowerCase());
    let length: { durationMs: number } | { until: string };
    if (duration) {
      const durationMs = Number(duration[1]) * UNIT_MS[duration[2] as keyof typeof UNIT_MS];
      if (durationMs > MAX_FREEZE_MS) throw usageError('freeze', `\`${clip(span)}\` is longer than 90 days; declare a freeze that long under \`freezes\` in the catalog, where everyone can read it.`);
      length = { durationMs };
    } else if (UNTIL.test(span) && !Number.isNaN(Date.parse(span.includes('T') ? span : `${span}T00:00:00Z`))) {
      length = { until: span };
    } else {
      throw usageError('freeze', `\`${clip(span)}\` is neither a duration (\`30m\`, \`4h\`, \`2d\`) nor a date (\`2026-12-24\`, \`2026-12-24T18:00Z\`).`);
    }
    if (reason.length === 0) throw usageError('freeze', 'Say why: a freeze needs a reason, which everyone it stops will read.');
    return { kind: 'freeze', environment: env, for: length, reason: reasonText('freeze', reason) };
  },
  unfreeze(args) {
    const [environment, ...extra] = args;
    if (environment === undefined) throw usageError('unfreeze', 'Which environment? Write `unfreeze <environment>`.');
    if (extra.length > 0) throw usageError('unfreeze', `\`unfreeze\` takes an environment only, not \`${clip(extra.join(' '))}\`.`);
    return { kind: 'unfreeze', environment: environmentName('unfreeze', environment) };
  },
  cancel(args) {
    const [run, ...reason] = args;
    if (run === undefined) throw usageError('cancel', 'Which run? Give its number, as shown in its message (e.g. `cancel 12`).');
    const match = RUN_ID.exec(run);
    if (!match) throw usageError('cancel', `\`${clip(run)}\` is not a run number: give the number shown in the run's message, e.g. \`12\`.`);
    const runId = match[1]!;
    return reason.length === 0 ? { kind: 'cancel', runId } : { kind: 'cancel', runId, reason: reasonText('cancel', reason) };
  },
  log(args) {
    const [run, ...extra] = args;
    if (run === undefined) throw usageError('log', 'Which run? Give its number, as shown in its message (e.g. `log 12`).');
    const match = RUN_ID.exec(run);
    if (!match) throw usageError('log', `\`${clip(run)}\` is not a run number: give the number shown in the run's message, e.g. \`12\`.`);
    if (extra.length > 1) throw usageError('log', `\`log\` takes a run number and at most one step id, not \`${clip(args.join(' '))}\`.`);
    const [itemId] = extra;
    return itemId === undefined ? { kind: 'log', runId: match[1]! } : { kind: 'log', runId: match[1]!, itemId };
  },
};

/** The flag that asks for the plan instead of the deploy; anywhere after the service, in any case. */
const DRY_RUN_FLAG = '--dry-run';

/** `--replay <hours>h`: how far back a dry run replays the guards; at most a week (Prometheus' point cap widens the step). */
const REPLAY_FLAG = '--replay';
const REPLAY_SPAN = /^([1-9][0-9]{0,2})h$/;
const MAX_REPLAY_HOURS = 168;

function parseStart(typed: string[]): DeployRequest {
  // Everything after `--emergency` is its reason, so the flags of a dry run are read before it.
  const flag = typed.findIndex((word) => word.toLowerCase() === '--emergency');
  if (flag >= 0 && flag + 1 >= typed.length) {
    throw usageError('deploy', 'Say why: `--emergency` needs a reason, which the approver and the channel will read (e.g. `--emergency checkout is down, hotfix for INC-123`).');
  }
  const all = flag >= 0 ? typed.slice(0, flag) : typed;
  if (flag >= 0 && all.some((word) => word.toLowerCase() === DRY_RUN_FLAG)) {
    throw usageError('deploy', `\`${DRY_RUN_FLAG}\` changes nothing, so it needs no \`--emergency\`: drop one of them.`);
  }
  const request = parseDryRunFlags(all);
  return flag >= 0 && request.kind === 'deploy' ? { ...request, emergency: reasonText('deploy', typed.slice(flag + 1)) } : request;
}

function parseDryRunFlags(all: string[]): DeployRequest {
  const at = all.findIndex((word) => word.toLowerCase() === REPLAY_FLAG);
  let replayMs: number | undefined;
  let rest = all;
  if (at >= 0) {
    const span = REPLAY_SPAN.exec((all[at + 1] ?? '').toLowerCase());
    if (!span || Number(span[1]) > MAX_REPLAY_HOURS) throw usageError('deploy', `\`${REPLAY_FLAG}\` takes a number of hours up to ${MAX_REPLAY_HOURS}, e.g. \`${REPLAY_FLAG} 6h\`.`);
    replayMs = Number(span[1]) * 3_600_000;
    rest = [...all.slice(0, at), ...all.slice(at + 2)];
  }
  const words = rest.filter((word) => word.toLowerCase() !== DRY_RUN_FLAG);
  if (words.length === 0) throw usageError('deploy', `Which service and version? Write \`<service> <version> [to <environment>] ${DRY_RUN_FLAG}\`.`);
  const request = parseDeployWords(words);
  if (words.length === rest.length || request.kind !== 'deploy') {
    if (replayMs !== undefined) throw usageError('deploy', `\`${REPLAY_FLAG}\` goes with \`${DRY_RUN_FLAG}\`: a deploy itself replays nothing.`);
    return request;
  }
  return { ...request, kind: 'dry-run', ...(replayMs === undefined ? {} : { replayMs }) };
}

function parseDeployWords(words: string[]): DeployRequest {
  const [service, version, ...rest] = words as [string, ...string[]];
  if (version === undefined) {
    throw usageError('deploy', `Which version of \`${clip(service)}\`? Give a version after the service name.`);
  }
  serviceName('deploy', service);
  if (!IMAGE_TAG.test(version)) throw invalidVersion(version);
  if (rest.length === 0) return { kind: 'deploy', service, version };
  if (rest[0]?.toLowerCase() !== 'to' || rest.length !== 2) {
    throw usageError('deploy', `I could not read \`${clip(rest.join(' '))}\`: after the version, write \`to <environment>\`.`);
  }
  return { kind: 'deploy', service, version, environment: environmentName('deploy', rest[1]!) };
}

/** The refusal for a version that is not an image tag (also used by the modal). */
export function invalidVersion(version: string): FlightdeckError {
  return new FlightdeckError('invalid-version', `\`${clip(version)}\` is not a valid image tag.`, {
    remedy: 'A version is an image tag: up to 128 letters, digits, `_`, `.` and `-`, not starting with `.` or `-` (e.g. `v1.4.2`).',
  });
}

function serviceName(form: DeployForm, word: string): string {
  if (!NAME.test(word)) throw usageError(form, `\`${clip(word)}\` is not a service name: names are lowercase letters, digits and dashes.`);
  return word;
}

function environmentName(form: DeployForm, word: string): string {
  if (!NAME.test(word)) throw usageError(form, `\`${clip(word)}\` is not an environment name: names are lowercase letters, digits and dashes.`);
  return word;
}

function reasonText(form: DeployForm, words: string[]): string {
  const reason = words.join(' ');
  if (reason.length > MAX_REASON) throw usageError(form, `The reason is ${reason.length} characters long; keep it under ${MAX_REASON + 1}.`);
  return reason;
}

/**
 * Echoed user input, for inside inline code: short, so a pasted wall of text does not become a wall of
 * error; without backticks, so it cannot end the code span; escaped, so `<!channel>` shows as typed.
 */
export function clip(text: string): string {
  const flat = text.replace(/`/g, "'");
  return escapeMrkdwn(flat.length > 60 ? `${flat.slice(0, 57)}...` : flat);
}
