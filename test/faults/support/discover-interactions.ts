import { readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';

const SLACK_SOURCES = resolve(import.meta.dirname, '../../../src/slack');
/** Web API method families: dotted literals that are calls flightdeck makes, not ids it listens for. */
const API_FAMILIES = /^(chat|views|users|usergroups|conversations|apps|auth|reactions|files|team|bots|pins|dnd|emoji)\./;

function sources(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) =>
    entry.isDirectory() ? sources(join(dir, entry.name)) : entry.name.endsWith('.ts') ? [join(dir, entry.name)] : [],
  );
}

/**
 * The dotted ids flightdeck's Slack code names (`item.tick`, `run.abort`, `flightdeck.deploy`…), read from
 * its source, so the generated payloads reach every listener that exists — including ones added after
 * this suite was written.
 */
export function discoverInteractionIds(): string[] {
  const found = new Set<string>();
  for (const file of sources(SLACK_SOURCES)) {
    for (const match of readFileSync(file, 'utf8').matchAll(/['`]([a-z][a-z0-9-]*(?:\.[a-z][a-z0-9-]*)+)['`]/g)) {
      const id = match[1]!;
      if (!API_FAMILIES.test(id) && !/\.(js|ts|json|yaml)$/.test(id)) found.add(id);
    }
  }
  return [...found].sort();
}

/** The `/deploy` subcommands the help text lists (`/deploy <word> …`). */
export function subcommandsIn(helpText: string): string[] {
  const words = new Set<string>();
  for (const match of helpText.matchAll(/\/deploy ([a-z][a-z-]*)/g)) words.add(match[1]!);
  return [...words];
}
