import { clip } from './deploy/parse-deploy.js';
import { z } from 'zod';
import { resolveChannel, resolveTarget } from '../src/config/resolve-target.js';
import { FlightdeckError } from '../src/errors/flightdeck-error.js';
import { irreversibleJobsThatRan, revertsOf } from '../src/run/core/job-reverts.js';
import type { Run } from '../src/run/core/run-schema.js';
import { findRunToUndo } from '../src/use-cases/find-run-to-undo.js';
import type { RollbackIntent } from '../src/use-cases/rollback-intent.js';
import type { CommandDefinition } from './command-definition.js';

const USAGE = [
  '`/rollback <service> [environment] [to <revision>]` — roll back, e.g. `/rollback api production` or `/rollback api production to 7`',
  '`/rollback help` — show this help',
] as const;

const NAME = /^[a-z0-9][a-z0-9-]{0,62}$/;
const REVISION = /^[1-9]\d{0,9}$/;

export const rollbackRequestSchema = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('help') }),
  z.object({
    kind: z.literal('rollback'),
    service: z.string().regex(NAME),
    environment: z.string().regex(NAME).optional(),
    toRevision: z.string().regex(REVISION).optional(),
  }),
]);
export type RollbackCommandRequest = z.infer<typeof rollbackRequestSchema>;

function usageError(problem: string): FlightdeckError {
  return new FlightdeckError('usage', problem, { remedy: `Usage:\n${USAGE.join('\n')}` });
}


/** Turns the text after `/rollback` into a request, or a `usage` error saying what is wrong. Pure. */
export function parseRollback(text: string): RollbackCommandRequest {
  const words = text.trim().split(/\s+/).filter((word) => word.length > 0);
  if (words.length === 0 || (words.length === 1 && words[0]!.toLowerCase() === 'help')) return { kind: 'help' };
  const [service, ...rest] = words as [string, ...string[]];
  if (!NAME.test(service)) throw usageError(`\`${clip(service)}\` is not a service name: names are lowercase letters, digits and dashes.`);
  let environment: string | undefined;
  if (rest.length > 0 && rest[0]!.toLowerCase() !== 'to') {
    environment = rest.shift()!;
    if (!NAME.test(environment)) throw usageError(`\`${clip(environment)}\` is not an environment name: names are lowercase letters, digits and dashes.`);
  }
  if (rest.length === 0) return { kind: 'rollback', service, ...(environment ? { environment } : {}) };
  if (rest[0]!.toLowerCase() !== 'to' || rest.length !== 2) {
    throw usageError(`I could not read \`${clip(rest.join(' '))}\`: after the service and environment, write \`to <revision>\`.`);
  }
  const revision = rest[1]!;
  if (!REVISION.test(revision)) {
    throw usageError(`\`${clip(revision)}\` is not a revision: use a number that \`kubectl rollout history\` lists, e.g. \`to 7\`.`);
  }
  return { kind: 'rollback', service, ...(environment ? { environment } : {}), toRevision: revision };
}

/** What the dialog says will happen. */
export function describeRollback(intent: RollbackIntent, of: Run | null): string {
  const to = intent.toRevision ? `to revision *${intent.toRevision}*` : of?.rollbackTarget ? `to revision *${of.rollbackTarget.revision}* (\`${of.rollbackTarget.image}\`), as before run #${of.id}` : 'to the previous revision';
  const undo = of ? `\nThis undoes run #${of.id} (\`${of.version}\`, ${of.state})${of.state === 'failed' ? '' : ' and stops it'}.` : '';
  return `Roll back *${intent.service}* in *${intent.environment}* ${to}?${undo}${of ? jobLines(of) : ''}`;
}

/** The reverts a rollback of `of` runs first, and (a warning) its Jobs that ran and that nothing undoes. */
function jobLines(of: Run): string {
  const reverts = revertsOf(of);
  const irreversible = irreversibleJobsThatRan(of);
  const first = reverts.length > 0 ? `\nBefore the image, in this order: ${reverts.map((item) => `revert *${item.title}*`).join(', then ')}.` : '';
  const warning = irreversible.length > 0 ? `\n:warning: ${irreversible.map((item) => `*${item.title}*`).join(', ')} ran and cannot be undone: this rolls the image back anyway, over what ${irreversible.length === 1 ? 'it' : 'they'} changed.` : '';
  return first + warning;
}

export const rollbackCommand: CommandDefinition<RollbackCommandRequest> = {
  name: '/rollback',
  usage: USAGE,
  usageHint: '<service> [environment] [to <revision>]',
  description: 'Roll a service back to the revision before its last deploy, or to a chosen revision',
  parse: parseRollback,
  onlyReads: (request) => request.kind === 'help',
  async handle(request, invocation, services) {
    if (request.kind === 'help') return { text: `*/rollback* restores what ran before.\n${USAGE.join('\n')}` };
    const { catalog } = services.config;
    const service = Object.hasOwn(catalog.services, request.service) ? catalog.services[request.service] : undefined;
    const environment = request.environment ?? service?.defaultEnvironment ?? '';
    resolveTarget(catalog, request.service, environment);
    // The run to undo is found from the target as it stands (the lock holder, else the newest run), so
    // the gate checks the role and that no other rollback is in flight.
    await services.gate.authorize({
      action: 'rollback.request',
      userId: invocation.userId,
      via: 'command',
      what: `/rollback ${request.service} ${environment}${request.toRevision ? ` to ${request.toRevision}` : ''}`,
      target: { service: request.service, environment },
    });
    const of = await findRunToUndo(services, request.service, environment);
    const intent: RollbackIntent = {
      service: request.service,
      environment,
      ...(request.toRevision ? { toRevision: request.toRevision } : {}),
      ...(of ? { runId: of.id } : {}),
      channel: of?.channel ?? resolveChannel(catalog, environment, invocation.channelId),
    };
    const summary = describeRollback(intent, of);
    // `text` is shown only under the reason the dialog could not be opened, so it must not speak of one.
    return { text: `Nothing was rolled back. You asked: ${summary}`, modal: { kind: 'rollback-confirm', intent, summary } };
  },
};
