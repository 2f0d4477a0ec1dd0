import { describe, expect, it } from 'vitest';
import { parseDeploy } from '../../commands/deploy.js';
import { parseRollback } from '../../commands/rollback.js';
import { resolveTarget } from '../../src/config/resolve-target.js';
import { FlightdeckError } from '../../src/errors/flightdeck-error.js';
import { MARKUP_INJECTIONS } from '../faults/support/fuzz-inputs.js';

/** The refusal's text, as a person would read it in Slack. */
function refusalOf(parse: () => unknown): string {
  try {
    parse();
  } catch (err) {
    if (err instanceof FlightdeckError) return err.message;
    throw err;
  }
  throw new Error('the text was not refused');
}

// Every place the parsers quote what was typed back: a service, a version, trailing words, a run number, a subcommand.
const SHAPES = [
  (m: string) => `${m} v1`,
  (m: string) => `api ${m}`,
  (m: string) => `api v1 to production ${m}`,
  (m: string) => `cancel ${m}`,
  (m: string) => `nosuchcommand ${m}`,
  (m: string) => `status api ${m}`,
];

describe('input echoed in a refusal', () => {
  it.each(MARKUP_INJECTIONS.map((markup) => [markup]))('never renders %j as Slack markup', (markup) => {
    const texts = [...SHAPES.map((shape) => refusalOf(() => parseDeploy(shape(markup)))), refusalOf(() => parseRollback(`${markup} production`))];
    for (const text of texts) {
      // Mentions (<!…>, <@…>, <#…>) and links (<scheme:…>); flightdeck's own `<service>` placeholders are not input.
      expect(text).not.toMatch(/<[!@#]|<[a-z]+:/);
      // Still recognisable: what was typed is shown, escaped.
      if (!markup.includes('`') && !markup.includes('\n')) expect(texts.some((t) => t.includes(markup.replaceAll('<', '&lt;').replaceAll('>', '&gt;').slice(0, 20)))).toBe(true);
    }
  });
});

describe('a service or environment name echoed by the catalog lookup', () => {
  const catalog = {
    services: { api: { environments: ['production'], namespace: 'shop', deployment: 'api', container: 'api' } },
    environments: { production: { cluster: 'prod' } },
  } as unknown as Parameters<typeof resolveTarget>[0];

  it.each(MARKUP_INJECTIONS.map((markup) => [markup]))('never renders %j as Slack markup', (markup) => {
    const texts = [refusalOf(() => resolveTarget(catalog, markup, 'production')), refusalOf(() => resolveTarget(catalog, 'api', markup))];
    for (const text of texts) expect(text).not.toMatch(/<[!@#]|<[a-z]+:/);
  });
});
