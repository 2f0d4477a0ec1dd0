import { createHash, timingSafeEqual } from 'node:crypto';
import type { ApiToken } from '../config/api-tokens.js';

/** The longest Authorization header read: a token longer than this is no token of ours. */
const MAX_HEADER_LENGTH = 1024;

/**
 * The configured token an `Authorization: Bearer <token>` header presents, or undefined (no header, another
 * scheme, an unknown token). The presented token is hashed and compared with every configured hash by
 * `timingSafeEqual`, all of them every time, so neither the answer's timing nor an early exit tells an
 * attacker how much of a guess was right, or which entry it came close to.
 */
export function findBearerToken(header: string | undefined, tokens: readonly ApiToken[]): ApiToken | undefined {
  if (header === undefined || header.length > MAX_HEADER_LENGTH) return undefined;
  const match = /^Bearer +([\x21-\x7e]+) *$/i.exec(header);
  if (!match) return undefined;
  const presented = createHash('sha256').update(match[1]!).digest();
  let found: ApiToken | undefined;
  for (const token of tokens) {
    if (timingSafeEqual(presented, token.sha256) && found === undefined) found = token;
  }
  return found;
}
