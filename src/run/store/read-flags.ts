import type { z } from 'zod';

/**
 * Reads an operator command's arguments: words before the first flag are positional, then `--name value` or
 * `--name=value` pairs (`switches` take no value), validated by `schema`. Every problem is one line, naming the
 * flag as typed.
 */
export function readFlags<S extends z.ZodObject>(
  args: readonly string[],
  schema: S,
  options: { command: string; switches?: readonly string[] },
): { positional: string[]; flags: z.infer<S> } | { problems: string[] } {
  const positional: string[] = [];
  const raw: Record<string, string | true> = {};
  const problems: string[] = [];
  let i = 0;
  for (; i < args.length && !args[i]!.startsWith('--'); i++) positional.push(args[i]!);
  for (; i < args.length; i++) {
    const match = /^--([a-z-]+)(?:=(.*))?$/.exec(args[i]!);
    if (!match) {
      problems.push(`"${args[i]}" is not a flag`);
      continue;
    }
    const name = match[1]!;
    if (!(name in schema.shape)) {
      problems.push(`--${name} is not a flag of ${options.command}`);
      if (match[2] === undefined && args[i + 1] !== undefined && !args[i + 1]!.startsWith('--')) i++;
      continue;
    }
    if (name in raw) problems.push(`--${name} is given twice`);
    if (options.switches?.includes(name)) {
      if (match[2] !== undefined) problems.push(`--${name} takes no value`);
      raw[name] = true;
      continue;
    }
    const value = match[2] ?? args[i + 1];
    if (value === undefined || (match[2] === undefined && value.startsWith('--'))) {
      problems.push(`--${name} needs a value`);
      continue;
    }
    if (match[2] === undefined) i++;
    raw[name] = value;
  }
  const parsed = schema.safeParse(raw);
  if (!parsed.success) {
    for (const issue of parsed.error.issues) {
      problems.push(`--${issue.path.join('.')}: ${issue.message}`);
    }
  }
  return problems.length > 0 || !parsed.success ? { problems } : { positional, flags: parsed.data };
}
