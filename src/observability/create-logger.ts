import { pino, type Logger, type LevelWithSilent } from 'pino';
import { scrubSecrets } from './scrub-secrets.js';

export type { Logger };

/** Field names that hold credentials; pino blanks them at the top level and one level down. */
const SECRET_KEYS = [
  'token',
  'botToken',
  'appToken',
  'slackBotToken',
  'slackAppToken',
  'signingSecret',
  'slackSigningSecret',
  'routingKey',
  'routing_key',
  'integrationKey',
  'pagerdutyToken',
  'password',
  'redisUrl',
  'authorization',
  'Authorization',
  'cookie',
];
const REDACT = [
  ...SECRET_KEYS,
  ...SECRET_KEYS.map((key) => `*.${key}`),
  'headers.authorization',
  '*.headers.authorization',
  '*.headers.Authorization',
];

export interface LoggerOptions {
  /**
   * Secret values (tokens, signing secrets, routing keys, Redis passwords) to blank wherever they appear
   * in a line, including inside messages and error stacks. Unset and very short values are ignored.
   */
  secrets?: ReadonlyArray<string | undefined>;
}

/**
 * The one JSON logger every part of flightdeck writes to. Two layers keep credentials out of the log
 * store: known field names are redacted, and then every finished line is scrubbed of the configured
 * secret values and of anything shaped like a Slack token or a password in a Redis URL.
 *
 * @param level Default `info`.
 * @param destination Default stdout.
 */
export function createLogger(level: LevelWithSilent = 'info', destination?: NodeJS.WritableStream, options: LoggerOptions = {}): Logger {
  const secrets = (options.secrets ?? []).filter((value): value is string => typeof value === 'string' && value.length >= 4);
  const settings = {
    level,
    base: { app: 'flightdeck' },
    redact: { paths: REDACT, censor: '[redacted]' },
    hooks: { streamWrite: (line: string) => scrubSecrets(line, secrets) },
  };
  return destination ? pino(settings, destination as pino.DestinationStream) : pino(settings);
}
