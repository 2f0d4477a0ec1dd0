import { expect } from 'vitest';
import { parse } from 'yaml';
import { checklistSchema, type Checklist } from '../../src/checklist/checklist-schema.js';
import { importMarkdownChecklist } from '../../src/checklist/import-markdown.js';
import { FlightdeckError } from '../../src/errors/flightdeck-error.js';

/** Imports, then parses the YAML with the real schema, so each test sees what `flightdeck check` would. */
export function importAndParse(input: Buffer | string, name = 'imported'): { checklist: Checklist; warnings: string[]; yaml: string } {
  const { yaml, warnings } = importMarkdownChecklist(input, { name });
  return { checklist: checklistSchema.parse(parse(yaml)), warnings, yaml };
}

/** Every item title, phase by phase, for compact assertions. */
export function titlesOf(checklist: Checklist): string[] {
  return checklist.phases.flatMap((phase) => phase.items.map((item) => item.title ?? ''));
}

/** The FlightdeckError an import throws; fails the test when it returns or throws anything else. */
export function importError(input: Buffer | string, name = 'imported'): FlightdeckError {
  let thrown: unknown;
  try {
    importMarkdownChecklist(input, { name });
  } catch (err) {
    thrown = err;
  }
  expect(thrown).toBeInstanceOf(FlightdeckError);
  return thrown as FlightdeckError;
}
