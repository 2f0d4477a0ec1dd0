import path from 'node:path';
import { readYamlFile, type YamlFileResult } from '../config/read-yaml-file.js';
import { problemAt } from '../config/yaml-source.js';
import { FlightdeckError } from '../errors/flightdeck-error.js';
import { checklistSchema, type Checklist } from './checklist-schema.js';

/** The checklist name a file must declare: its basename without `.yaml` or `.yml`. */
export function checklistNameOf(file: string): string {
  return path.basename(file).replace(/\.ya?ml$/, '');
}

/**
 * Reads and validates one checklist file without throwing. Beyond the schema, its `name` must equal
 * the file's basename, because environments refer to checklists by file name.
 */
export async function readChecklist(file: string): Promise<YamlFileResult<Checklist>> {
  const result = await readYamlFile(file, checklistSchema, 'create it, or correct the path');
  const expected = checklistNameOf(file);
  // Read from the document rather than the parsed value, so a mismatch is reported even beside other problems.
  const name: unknown = result.source?.doc.errors.length === 0 ? result.source.doc.get('name') : undefined;
  if (!result.source || typeof name !== 'string' || name === expected) return result;
  const problem = problemAt(
    result.source,
    ['name'],
    `"${name}" does not match the file name`,
    `change it to "${expected}", or rename the file to ${name}${path.extname(file)}`,
  );
  return { value: undefined, source: result.source, problems: [...result.problems, problem] };
}

/**
 * Reads and validates a checklist YAML file.
 *
 * @throws FlightdeckError `checklist-invalid` whose message has one line per problem:
 *   `<file>:<line>:<col> <key.path>: <problem> — <fix>`.
 */
export async function loadChecklist(file: string): Promise<Checklist> {
  const { value, problems } = await readChecklist(file);
  if (!value) throw new FlightdeckError('checklist-invalid', problems.join('\n'));
  return value;
}
