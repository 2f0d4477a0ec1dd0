/**
 * Variables any checklist string may use as `{{name}}`. They are filled from the run when it is created,
 * so a checklist can say "CI is green for {{version}}" or probe `https://{{service}}.{{env}}.example.com`.
 */
export const TEMPLATE_VARIABLES = [
  'service',
  'version',
  'env',
  'namespace',
  'deployment',
  'container',
  'image',
  'run',
  'requester',
] as const;
export type TemplateVariable = (typeof TEMPLATE_VARIABLES)[number];

const PLACEHOLDER = /\{\{\s*([^{}\s]*)\s*\}\}/g;

/** Names used in `text` that are not template variables (empty when all are known). */
export function unknownVariables(text: string): string[] {
  const known = new Set<string>(TEMPLATE_VARIABLES);
  return [...text.matchAll(PLACEHOLDER)].map((match) => match[1] ?? '').filter((name) => !known.has(name));
}

/** Replaces every `{{name}}` with its value; unknown names were rejected when the checklist was loaded. */
export function fillTemplate(text: string, values: Readonly<Record<TemplateVariable, string>>): string {
  return text.replace(PLACEHOLDER, (whole, name: string) => (name in values ? values[name as TemplateVariable] : whole));
}

/** Fills every string inside a JSON-like value (probe specs, Job templates), leaving other values as they are. */
export function fillTemplates<T>(value: T, values: Readonly<Record<TemplateVariable, string>>): T {
  if (typeof value === 'string') return fillTemplate(value, values) as T;
  if (Array.isArray(value)) return value.map((entry) => fillTemplates(entry, values)) as T;
  if (value && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([key, entry]) => [key, fillTemplates(entry, values)])) as T;
  }
  return value;
}
