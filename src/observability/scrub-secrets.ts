/** Slack tokens: bot/user/app-level/config/refresh (`xoxb-`, `xoxp-`, `xapp-`, `xoxe.xoxp-`, …). */
const SLACK_TOKEN = /\bx(?:ox[abposre](?:\.xox[a-z])?|app)-[A-Za-z0-9-]+/g;
/** The password part of `redis://user:password@host` / `rediss://…`. */
const URL_PASSWORD = /\b(rediss?:\/\/[^:@/\s"]*:)[^@\s"]+@/g;
const CENSOR = '[redacted]';

/**
 * Replaces every occurrence of each secret (raw and JSON-escaped, since log lines are JSON) and anything
 * shaped like a Slack token or a Redis URL password with `[redacted]`. Pure; never throws.
 */
export function scrubSecrets(text: string, secrets: readonly string[]): string {
  let out = text;
  for (const secret of secrets) {
    out = out.split(secret).join(CENSOR);
    const escaped = JSON.stringify(secret).slice(1, -1);
    if (escaped !== secret) out = out.split(escaped).join(CENSOR);
  }
  return out.replace(SLACK_TOKEN, CENSOR).replace(URL_PASSWORD, `$1${CENSOR}@`);
}
