import { readdir } from 'node:fs/promises';
import path from 'node:path';
import type { Checklist } from '../checklist/checklist-schema.js';
import { checklistNameOf, readChecklist } from '../checklist/load-checklist.js';
import type { Catalog } from './catalog-schema.js';
import { readCatalog } from './load-catalog.js';
import { problemAt, type YamlSource } from './yaml-source.js';

export interface InspectConfigOptions {
  /** The catalog file. A missing file is a problem, not an exception. */
  configPath: string;
  /** Where `environments.*.checklist` names are looked up as `<name>.yaml` or `<name>.yml`. */
  checklistDir: string;
  /** Also validate every `*.yaml`/`*.yml` in `checklistDir`, referenced or not. Default false. */
  scanDir?: boolean;
  /** Further checklist files to validate, wherever they are. Default none. */
  files?: readonly string[];
}

/** Everything found: what could be loaded, and every problem, split by where it points. */
export interface ConfigInspection {
  /** The catalog when it is valid; undefined otherwise. */
  catalog: Catalog | undefined;
  /** Every valid checklist read, by name. */
  checklists: Map<string, Checklist>;
  /** Problems in the catalog, including references to checklists that do not exist. */
  catalogProblems: string[];
  /** Problems in checklist files (and in the checklist folder itself). */
  checklistProblems: string[];
}

const CHECKLIST_NAME = /^[a-z0-9][a-z0-9-]{0,62}$/;

/**
 * Reads the catalog and the checklists it references (plus `files`, plus the whole folder with `scanDir`)
 * and collects every problem at once. Never throws for bad input; loadConfig and checkConfig decide what
 * a problem means.
 */
export async function inspectConfig(options: InspectConfigOptions): Promise<ConfigInspection> {
  const { configPath, checklistDir } = options;
  const catalogResult = await readCatalog(configPath);
  const catalogProblems = [...catalogResult.problems];
  const checklistProblems: string[] = [];

  const listing = await listYamlFiles(checklistDir);
  if (!listing && options.scanDir) {
    checklistProblems.push(`${checklistDir}: checklist folder not found — create it, or point FLIGHTDECK_CHECKLISTS at it`);
  }
  const available = listing ?? [];

  const toRead = new Set<string>(options.scanDir ? available : []);
  const source = catalogResult.source;
  const references = source ? checklistReferences(catalogResult.value, source.doc) : [];
  for (const [environment, name] of references) {
    if (!source) break;
    const at = ['environments', environment, 'checklist'];
    const matches = available.filter((file) => checklistNameOf(file) === name);
    const [file, other] = matches;
    if (file === undefined) {
      const known = [...new Set(available.map(checklistNameOf))];
      const fix =
        `create ${path.join(checklistDir, `${name}.yaml`)}` +
        (known.length > 0 ? `, or use one of ${known.join(', ')}` : '') +
        (listing ? '' : `, or point FLIGHTDECK_CHECKLISTS at the folder that holds it (${checklistDir} does not exist)`);
      catalogProblems.push(problemAt(source, at, `no checklist file "${name}.yaml" in ${checklistDir}`, fix));
    } else if (other !== undefined) {
      catalogProblems.push(
        problemAt(source, at, `both ${path.basename(file)} and ${path.basename(other)} exist in ${checklistDir}`, 'delete one of them'),
      );
    } else {
      toRead.add(file);
    }
  }
  for (const file of options.files ?? []) toRead.add(file);

  const checklists = new Map<string, Checklist>();
  const fileOf = new Map<string, string>();
  for (const file of toRead) {
    const result = await readChecklist(file);
    checklistProblems.push(...result.problems);
    if (!result.value || !result.source) continue;
    const previous = fileOf.get(result.value.name);
    if (previous !== undefined && path.resolve(previous) !== path.resolve(file)) {
      checklistProblems.push(
        problemAt(result.source, ['name'], `checklist "${result.value.name}" is also defined in ${previous}`, 'delete one of the two files'),
      );
      continue;
    }
    fileOf.set(result.value.name, file);
    checklists.set(result.value.name, result.value);
  }

  if (catalogResult.value && source) catalogProblems.push(...crossCheck(catalogResult.value, checklists, source));
  return { catalog: catalogResult.value, checklists, catalogProblems, checklistProblems };
}

const TRAFFIC_ACTIONS = new Set(['canary', 'traffic', 'promote']);
const BLUE_GREEN_ACTIONS = new Set(['preview', 'switch', 'scale-down']);

/**
 * What the catalog owes the checklists its environments use: every role a checklist declares is defined
 * under `roles`, every service deployed where a checklist shifts traffic has `traffic` settings, and every
 * service deployed where a checklist has blue-green steps has `blueGreen` settings.
 * Problems point at the catalog, where the fix goes.
 */
function crossCheck(catalog: Catalog, checklists: ReadonlyMap<string, Checklist>, source: YamlSource): string[] {
  const problems: string[] = [];
  const missingTraffic = new Set<string>();
  const missingBlueGreen = new Set<string>();
  for (const [environment, env] of Object.entries(catalog.environments)) {
    const checklist = checklists.get(env.checklist);
    if (!checklist) continue;
    for (const [role, purpose] of Object.entries(checklist.roles)) {
      if (Object.hasOwn(catalog.roles, role)) continue;
      problems.push(
        problemAt(
          source,
          ['environments', environment, 'checklist'],
          `checklist "${checklist.name}" needs the role "${role}" (${purpose}), which is not defined under roles`,
          `add roles.${role} with the users or groups who hold it`,
        ),
      );
    }
    const uses = (actions: ReadonlySet<string>) => checklist.phases.some((phase) => phase.items.some((item) => item.kind === 'step' && actions.has(item.action)));
    if (uses(BLUE_GREEN_ACTIONS)) {
      for (const [name, service] of Object.entries(catalog.services)) {
        if (!service.environments.includes(environment) || service.blueGreen || missingBlueGreen.has(name)) continue;
        missingBlueGreen.add(name);
        problems.push(
          problemAt(
            source,
            ['services', name],
            `${name} deploys to ${environment}, whose checklist "${checklist.name}" has preview/switch/scale-down steps, but ${name} has no blueGreen settings`,
            `add blueGreen: { activeService: <Service>, previewService: <Service> } under services.${name}`,
            'key',
          ),
        );
      }
    }
    if (!uses(TRAFFIC_ACTIONS)) continue;
    for (const [name, service] of Object.entries(catalog.services)) {
      if (!service.environments.includes(environment) || service.traffic || missingTraffic.has(name)) continue;
      missingTraffic.add(name);
      problems.push(
        problemAt(
          source,
          ['services', name],
          `${name} deploys to ${environment}, whose checklist "${checklist.name}" has canary/traffic/promote steps, but ${name} has no traffic settings`,
          `add traffic: { route: <HTTPRoute name>, stableService: <Service>, canaryService: <Service> } under services.${name}, or traffic: { service: <Service> } without a Gateway controller`,
          'key',
        ),
      );
    }
  }
  return problems;
}

/** `*.yaml` and `*.yml` files in `dir`, sorted; undefined when the folder cannot be read. */
async function listYamlFiles(dir: string): Promise<string[] | undefined> {
  try {
    const entries = await readdir(dir, { withFileTypes: true });
    return entries
      .filter((entry) => entry.isFile() && /\.ya?ml$/.test(entry.name))
      .map((entry) => path.join(dir, entry.name))
      .sort();
  } catch {
    return undefined;
  }
}

/**
 * Pairs of (environment, checklist name). Taken from the raw document when the catalog is invalid, so a
 * missing checklist is reported alongside the catalog's other problems instead of after they are fixed.
 */
function checklistReferences(catalog: Catalog | undefined, doc: { errors: unknown[]; toJS(): unknown }): [string, string][] {
  let environments: unknown = catalog?.environments;
  if (!catalog && doc.errors.length === 0) {
    try {
      environments = (doc.toJS() as { environments?: unknown } | null)?.environments;
    } catch {
      return [];
    }
  }
  if (typeof environments !== 'object' || environments === null || Array.isArray(environments)) return [];
  return Object.entries(environments).flatMap(([environment, entry]): [string, string][] => {
    const name: unknown = (entry as { checklist?: unknown } | null)?.checklist;
    // Names the schema rejects are already reported; looking for their files would only add noise.
    return typeof name === 'string' && CHECKLIST_NAME.test(name) ? [[environment, name]] : [];
  });
}
