import { TEMPLATE_VARIABLES, unknownVariables } from '../template-variables.js';

const PLACEHOLDER = /\{\{\s*([^{}\s]*)\s*\}\}/g;
const KNOWN = new Set<string>(TEMPLATE_VARIABLES);

/**
 * Breaks up `{{…}}` that are not flightdeck template variables (Helm, Jinja or Mustache examples in the
 * source), by writing `{ {…}}`, so the checklist schema does not reject them; `{{service}}` and the other
 * known variables stay. Returns the text and whether anything changed.
 */
export function neutralizePlaceholders(text: string): { text: string; changed: boolean } {
  if (unknownVariables(text).length === 0) return { text, changed: false };
  let out = text.replace(PLACEHOLDER, (whole: string, name: string) => (KNOWN.has(name) ? whole : `{ ${whole.slice(1)}`));
  // Braces nested like "{{{x}}}" can form a new placeholder once the inner one is broken; break them all then.
  while (unknownVariables(out).length > 0) out = out.replace(/\{\{/g, '{ {');
  return { text: out, changed: true };
}
