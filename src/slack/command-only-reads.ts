import type { CommandDefinition } from '../../commands/command-definition.js';

/**
 * Whether a request body is a slash command whose request only reads (CommandDefinition.onlyReads), or whose
 * text is refused with its usage: either answer changes nothing, however often it is given.
 */
export function commandOnlyReads(commands: readonly CommandDefinition<unknown>[]): (body: unknown) => boolean {
  const byName = new Map(commands.map((definition) => [definition.name, definition]));
  return (body) => {
    const { command, text } = body as { command?: unknown; text?: unknown };
    const definition = typeof command === 'string' ? byName.get(command) : undefined;
    if (!definition?.onlyReads) return false;
    let request: unknown;
    try {
      request = definition.parse(typeof text === 'string' ? text : '');
    } catch {
      return true;
    }
    return definition.onlyReads(request);
  };
}
