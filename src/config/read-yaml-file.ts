import { readFile } from 'node:fs/promises';
import type { z } from 'zod';
import { yamlProblems } from './yaml-problems.js';
import { parseYamlSource, type YamlSource } from './yaml-source.js';

/** A YAML file read against a schema: the value when valid, and every problem found either way. */
export interface YamlFileResult<T> {
  /** The parsed value; undefined whenever `problems` is not empty. */
  value: T | undefined;
  /** The parsed document, for callers that check more and want positions; undefined if unreadable. */
  source: YamlSource | undefined;
  /** One line each: `<file>:<line>:<col> <key.path>: <problem> — <fix>`, or `<file>: …` for an unreadable file. */
  problems: string[];
}

/**
 * Reads, parses and validates a YAML file. Never throws for a bad file: syntax errors, schema problems
 * and a missing or unreadable file all come back as problems.
 *
 * @param missingFix what to tell the reader when the file does not exist.
 */
export async function readYamlFile<S extends z.ZodType>(
  file: string,
  schema: S,
  missingFix: string,
): Promise<YamlFileResult<z.output<S>>> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    const problem =
      code === 'ENOENT'
        ? `${file}: file not found — ${missingFix}`
        : `${file}: cannot be read (${code ?? String(err)}) — check that it is a readable file`;
    return { value: undefined, source: undefined, problems: [problem] };
  }

  const { source, problems } = parseYamlSource(file, text);
  // Schema problems on a document that failed to parse would point at the parser's guesses, not the file.
  if (problems.length > 0) return { value: undefined, source, problems };

  let data: unknown;
  try {
    data = source.doc.toJS();
  } catch (err) {
    // yaml refuses documents whose aliases expand past its limit (a "billion laughs" guard).
    return { value: undefined, source, problems: [`${file}:1:1 (yaml): ${(err as Error).message} — use fewer aliases`] };
  }
  const result = schema.safeParse(data);
  if (result.success) return { value: result.data, source, problems: [] };
  return { value: undefined, source, problems: yamlProblems(source, schema, data, result.error.issues) };
}
