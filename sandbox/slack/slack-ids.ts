import { randomBytes } from 'node:crypto';

const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789';

/** A Slack-looking object id: `prefix` plus 10 upper-case alphanumerics (`V0…` views, `D0…` DMs). */
export function slackId(prefix: string): string {
  const bytes = randomBytes(10);
  let id = prefix;
  for (const b of bytes) id += ALPHABET[b % ALPHABET.length];
  return id;
}

/** A trigger id in Slack's `<digits>.<digits>.<hex>` shape. */
export function newTriggerId(nowMs: number): string {
  return `${Math.floor(nowMs)}.${Math.floor(Math.random() * 1e9)}.${randomBytes(16).toString('hex')}`;
}

/** A view hash in Slack's `<unix seconds>.<random>` shape. */
export function newViewHash(nowMs: number): string {
  return `${Math.floor(nowMs / 1000)}.${randomBytes(6).toString('base64url')}`;
}
