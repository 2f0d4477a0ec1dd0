import { createHash } from 'node:crypto';
import { parse } from 'yaml';
import { z } from 'zod';

/** What a token may deploy: service and environment names from the catalog, or `*` for every one. */
export interface ApiScopes {
  services: readonly string[];
  environments: readonly string[];
}

/** One CI token as flightdeck keeps it: never the token itself, only its SHA-256. */
export interface ApiToken {
  /** Who acts: audited and shown as `api:<name>`. */
  name: string;
  /** SHA-256 of the token, 32 bytes; the presented token's hash is compared with it in constant time. */
  sha256: Buffer;
  scopes: ApiScopes;
  /** Requests per minute this token may make; default `API_REQUESTS_PER_MINUTE`. */
  requestsPerMinute: number | undefined;
}

const NAME = /^[a-z0-9][a-z0-9._-]{0,62}$/;
const HEX_SHA256 = /^[0-9a-f]{64}$/;
const MIN_TOKEN_LENGTH = 32;

const names = (what: string) =>
  z
    .array(z.string().min(1, `a ${what} name is empty — name a ${what} of the catalog, or * for all`), {
      error: `is not a list — list the ${what}s this token may deploy, or [*] for all`,
    })
    .min(1, `is empty — list the ${what}s this token may deploy, or [*] for all`);

const entrySchema = z
  .strictObject(
    {
      name: z.string({ error: 'is missing — give each token a name (it is the actor the audit and the run message show)' }).regex(NAME, {
        error: 'must be 1–63 lowercase letters, digits, dots, dashes or underscores, starting with a letter or digit',
      }),
      token: z.string().min(MIN_TOKEN_LENGTH, { error: `is shorter than ${MIN_TOKEN_LENGTH} characters — generate one with: openssl rand -hex 32` }).optional(),
      sha256: z
        .string()
        .transform((value) => value.toLowerCase())
        .pipe(z.string().regex(HEX_SHA256, { error: 'is not a SHA-256 in hex — write 64 hex digits: printf %s "$TOKEN" | sha256sum' }))
        .optional(),
      scopes: z.strictObject({ services: names('service'), environments: names('environment') }, { error: 'is missing — give the token scopes: { services: [...], environments: [...] }' }),
      requestsPerMinute: z.number().int().min(1).max(10_000).optional(),
    },
    { error: 'is not a mapping — each token is { name, sha256 (or token), scopes: { services, environments } }' },
  )
  .superRefine((entry, ctx) => {
    if ((entry.token === undefined) === (entry.sha256 === undefined)) {
      ctx.addIssue({ code: 'custom', path: ['sha256'], message: 'give either sha256 (recommended) or token, exactly one of them' });
    }
  });

const listSchema = z.array(entrySchema, { error: 'is not a list — write a JSON or YAML list of tokens' }).superRefine((entries, ctx) => {
  const seen = new Set<string>();
  entries.forEach((entry, index) => {
    if (seen.has(entry.name)) ctx.addIssue({ code: 'custom', path: [index, 'name'], message: `${entry.name} is named twice — token names must be unique` });
    seen.add(entry.name);
  });
});

/**
 * Parses `API_TOKENS`: a JSON or YAML list of `{ name, sha256 | token, scopes: { services, environments },
 * requestsPerMinute? }`. Plain tokens are hashed here and dropped, so only hashes stay in memory.
 *
 * @returns the tokens, or one problem per line (`[0].scopes.services: is empty — …`) that never quotes a token.
 */
export function parseApiTokens(text: string): { tokens: ApiToken[] } | { problems: string[] } {
  let document: unknown;
  try {
    document = parse(text);
  } catch (err) {
    // The YAML library's message quotes the offending line, which may hold a token: only its position is kept.
    const where = /at line \d+, column \d+/.exec((err as Error).message)?.[0];
    return { problems: [`is not valid JSON or YAML${where ? ` (${where})` : ''} — write a list of tokens`] };
  }
  const result = listSchema.safeParse(document);
  if (!result.success) {
    return { problems: result.error.issues.map((issue) => `${pathOf(issue.path)}${issue.message}`) };
  }
  const hashes = new Set<string>();
  const problems: string[] = [];
  const tokens = result.data.map((entry, index) => {
    const sha256 = entry.sha256 ?? createHash('sha256').update(entry.token ?? '').digest('hex');
    if (hashes.has(sha256)) problems.push(`[${index}]: has the same token as another entry — give each CI system its own token`);
    hashes.add(sha256);
    return { name: entry.name, sha256: Buffer.from(sha256, 'hex'), scopes: entry.scopes, requestsPerMinute: entry.requestsPerMinute };
  });
  return problems.length > 0 ? { problems } : { tokens };
}

function pathOf(path: readonly PropertyKey[]): string {
  if (path.length === 0) return '';
  return `${path.map((part) => (typeof part === 'number' ? `[${part}]` : `.${String(part)}`)).join('').replace(/^\./, '')}: `;
}

/**
 * Scope names the catalog does not have: a typo would otherwise leave a token that is refused everywhere it was
 * meant to deploy. One problem per name, worded for `API_TOKENS: …` start-up errors.
 */
export function unknownScopeNames(tokens: readonly ApiToken[], catalog: { services: Readonly<Record<string, unknown>>; environments: Readonly<Record<string, unknown>> }): string[] {
  const problems: string[] = [];
  for (const [index, token] of tokens.entries()) {
    for (const kind of ['services', 'environments'] as const) {
      const known = Object.keys(catalog[kind]);
      for (const name of token.scopes[kind]) {
        if (name === '*' || known.includes(name)) continue;
        problems.push(`[${index}].scopes.${kind}: ${JSON.stringify(name)} (token ${token.name}) is not in the catalog — name one of ${known.join(', ')}, or * for all`);
      }
    }
  }
  return problems;
}
