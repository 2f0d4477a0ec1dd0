import { z } from 'zod';
import { FlightdeckError } from '../src/errors/flightdeck-error.js';
import { startRun } from '../src/queue/start-run.js';
import type { CommandDefinition } from './command-definition.js';

const USAGE = [
  '`/deploy <service> <version> [to <environment>]` — deploy a version, e.g. `/deploy api v1.4.2 to production`',
  '`/deploy help` — show this help',
] as const;

/** OCI image tag grammar: what `docker tag` and registries accept. */
const IMAGE_TAG = /^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$/;
const NAME = /^[a-z0-9][a-z0-9-]{0,62}$/;

export const deployRequestSchema = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('help') }),
  z.object({
    kind: z.literal('deploy'),
    service: z.string().regex(NAME),
    version: z.string().regex(IMAGE_TAG),
    environment: z.string().regex(NAME).optional(),
  }),
]);
export type DeployRequest = z.infer<typeof deployRequestSchema>;

function usageError(problem: string): FlightdeckError {
  return new FlightdeckError('usage', problem, { remedy: `Usage:\n${USAGE.join('\n')}` });
}

/** Turns the text after `/deploy` into a request, or a usage error that says what is wrong. */
export function parseDeploy(text: string): DeployRequest {
  const words = text.trim().split(/\s+/).filter((word) => word.length > 0);
  if (words.length === 0 || (words.length === 1 && words[0]?.toLowerCase() === 'help')) {
    return { kind: 'help' };
  }
  const [service, version, ...rest] = words as [string, ...string[]];
  if (version === undefined) {
    throw usageError(`Which version of \`${clip(service)}\`? Give a version after the service name.`);
  }
  if (!NAME.test(service)) {
    throw usageError(
      `\`${clip(service)}\` is not a service name: names are lowercase letters, digits and dashes.`,
    );
  }
  if (!IMAGE_TAG.test(version)) {
    throw new FlightdeckError('invalid-version', `\`${clip(version)}\` is not a valid image tag.`, {
      remedy:
        'A version is an image tag: up to 128 letters, digits, `_`, `.` and `-`, not starting with `.` or `-` (e.g. `v1.4.2`).',
    });
  }
  if (rest.length === 0) return { kind: 'deploy', service, version };
  if (rest[0]?.toLowerCase() !== 'to' || rest.length !== 2) {
    throw usageError(`I could not read \`${clip(rest.join(' '))}\`: after the version, write \`to <environment>\`.`);
  }
  const environment = rest[1] as string;
  if (!NAME.test(environment)) {
    throw usageError(`\`${clip(environment)}\` is not an environment name: names are lowercase letters, digits and dashes.`);
  }
  return { kind: 'deploy', service, version, environment };
}

/** Keeps echoed user input short so a pasted wall of text does not become a wall of error. */
function clip(text: string): string {
  const flat = text.replace(/`/g, "'");
  return flat.length > 60 ? `${flat.slice(0, 57)}...` : flat;
}

export const deployCommand: CommandDefinition<DeployRequest> = {
  name: '/deploy',
  usage: USAGE,
  description: 'Deploy a service version through its environment checklist',
  parse: parseDeploy,
  async handle(request, invocation, services) {
    if (request.kind === 'help') {
      return { text: `*flightdeck* runs your deployment checklist in this channel.\n${USAGE.join('\n')}` };
    }
    const run = await startRun(request, invocation, services);
    return {
      text: `Run #${run.id}: deploying *${run.service}* \`${run.version}\` to *${run.environment}*. The checklist is posted in <#${run.channel}>.`,
    };
  },
};
