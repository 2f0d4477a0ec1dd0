import { existsSync } from 'node:fs';
import { copyFile, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { z } from 'zod';
import { checkConfig } from '../config/check-config.js';
import { slackSettingsSchema } from '../config/catalog-schema.js';
import { FlightdeckError } from '../errors/flightdeck-error.js';
import { createClusterAccess } from '../k8s/create-cluster-access.js';
import { currentContextOf, discoverDeployments, type DiscoveredDeployment } from '../k8s/discover-deployments.js';
import { environmentNameOf, starterCatalog } from './starter-catalog.js';

export const INIT_USAGE = `Usage: flightdeck init --channel <channel ID> [--dir <folder>] [--environment <name>] [--context <kube context>] [--no-cluster] [--force]
  Writes <folder>/flightdeck.yaml and <folder>/checklists/standard.yaml (folder: the current one), with one service
  per Deployment of the current kubeconfig context, and checks them as \`flightdeck check\` does.`;

const STARTER_CHECKLIST = 'standard.yaml';

const optionsSchema = z.strictObject({
  channel: slackSettingsSchema.shape.defaultChannel,
  dir: z.string().min(1).default('.'),
  environment: z
    .string()
    .regex(/^[a-z]([a-z0-9-]{0,61}[a-z0-9])?$/, 'must be lowercase letters, digits and dashes, start with a letter, at most 63 characters')
    .optional(),
  context: z.string().min(1).optional(),
  cluster: z.boolean().default(true),
  force: z.boolean().default(false),
});

export interface InitIo {
  stdout: (text: string) => void;
  stderr: (text: string) => void;
}

function parseArgs(args: readonly string[]): z.output<typeof optionsSchema> {
  const raw: Record<string, unknown> = {};
  for (let i = 0; i < args.length; i += 1) {
    const arg = args[i] ?? '';
    if (arg === '--force') raw.force = true;
    else if (arg === '--no-cluster') raw.cluster = false;
    else if (/^--(channel|dir|environment|context)(=|$)/.test(arg)) {
      const [flag = '', inline] = arg.split(/=(.*)/s);
      if (inline === undefined) i += 1;
      const value = inline ?? args[i];
      if (value === undefined || (inline === undefined && value.startsWith('--'))) throw new FlightdeckError('usage', `${flag} needs a value\n${INIT_USAGE}`);
      raw[flag.slice(2)] = value;
    } else throw new FlightdeckError('usage', `Unknown argument "${arg}"\n${INIT_USAGE}`);
  }
  if (raw.channel === undefined) {
    throw new FlightdeckError('usage', `--channel is required: the channel runs post to (its ID, e.g. C0123ABCDEF, shown at the bottom of the channel's details in Slack)\n${INIT_USAGE}`);
  }
  const parsed = optionsSchema.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new FlightdeckError('usage', `--${String(issue?.path[0] ?? '')} ${issue?.message ?? 'is invalid'}\n${INIT_USAGE}`);
  }
  return parsed.data;
}

/** The shipped checklists: `checklists/` at the package root, found from this file in src/ or dist/src/. */
function shippedChecklist(): string | undefined {
  let dir = path.dirname(fileURLToPath(import.meta.url));
  for (let depth = 0; depth < 5; depth += 1) {
    const candidate = path.join(dir, 'checklists', STARTER_CHECKLIST);
    if (existsSync(candidate)) return candidate;
    dir = path.dirname(dir);
  }
  return undefined;
}

/**
 * `flightdeck init`: a starter catalog and checklist that pass `check`, from what the current kubeconfig context
 * shows. Writes nothing unless the result passes check and no file would be overwritten (without --force).
 */
export async function runInit(args: readonly string[], local: { kubeconfig: string | undefined; searchPath: string | undefined }, io: InitIo): Promise<number> {
  const { kubeconfig, searchPath } = local;
  const options = parseArgs(args);
  const configPath = path.join(options.dir, 'flightdeck.yaml');
  const checklistPath = path.join(options.dir, 'checklists', STARTER_CHECKLIST);
  const existing = [configPath, checklistPath].filter((file) => existsSync(file));
  if (existing.length > 0 && !options.force) {
    io.stderr(`${existing.join(' and ')} already exist${existing.length === 1 ? 's' : ''}; nothing was written. Run init with --force to replace, or --dir to write elsewhere.\n`);
    return 1;
  }
  const source = shippedChecklist();
  if (!source) throw new FlightdeckError('internal', `flightdeck's own checklists/${STARTER_CHECKLIST} is missing from this install`);

  const current = options.cluster ? currentContextOf(kubeconfig) : undefined;
  const context = options.cluster ? (options.context ?? current?.context) : undefined;
  let deployments: DiscoveredDeployment[] = [];
  if (context) {
    const client = createClusterAccess({ kubeconfigPath: kubeconfig, requestTimeoutMs: 10_000, searchPath }).forContext(context);
    const namespace = (context === current?.context ? current.namespace : undefined) ?? 'default';
    deployments = await discoverDeployments(client, namespace);
  }
  const environment = options.environment ?? (context ? environmentNameOf(context) : 'staging');
  const starter = starterCatalog({ channel: options.channel, environment, context, deployments });

  // Checked in a scratch folder first, so a starter that would not pass check never lands in the user's folder.
  const scratch = await mkdtemp(path.join(tmpdir(), 'flightdeck-init-'));
  try {
    await mkdir(path.join(scratch, 'checklists'));
    await writeFile(path.join(scratch, 'flightdeck.yaml'), starter.yaml);
    await copyFile(source, path.join(scratch, 'checklists', STARTER_CHECKLIST));
    const problems = await checkConfig({ configPath: path.join(scratch, 'flightdeck.yaml'), checklistDir: path.join(scratch, 'checklists') });
    if (problems.length > 0) {
      io.stderr(`The starter catalog does not pass check, so nothing was written:\n${problems.join('\n')}\n`);
      return 1;
    }
  } finally {
    await rm(scratch, { recursive: true, force: true });
  }
  await mkdir(path.dirname(checklistPath), { recursive: true });
  await writeFile(configPath, starter.yaml);
  await writeFile(checklistPath, await readFile(source));

  io.stdout(`wrote ${configPath} and ${checklistPath}; they pass \`flightdeck check\`\n`);
  if (context) io.stdout(`environment ${environment}: kubeconfig context "${context}", ${starter.services.length} service(s): ${starter.services.join(', ') || 'none found, so an example "api" to replace'}\n`);
  else io.stdout(`no kubeconfig context${options.cluster ? ' found' : ' used (--no-cluster)'}: environment ${environment} uses "in-cluster"; replace the example service "api"\n`);
  for (const line of starter.skipped) io.stdout(`left out ${line}\n`);
  io.stdout(`next: FLIGHTDECK_CONFIG=${configPath} flightdeck check, then docs/configuration.md for roles, production and guards\n`);
  return 0;
}
