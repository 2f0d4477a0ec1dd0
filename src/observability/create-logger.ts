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
  /**
   * Another process writes to the same stdout (role `all` and the worker process it runs): each line is then
   * written whole, on its own and at once, as a pipe keeps a write of up to 4 KiB together. Lines gathered into one
   * larger write could be cut by the other process's lines whenever the pipe is full.
   */
  sharedStdout?: boolean;
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
  return pino(settings, destination ? (destination as pino.DestinationStream) : stdout(options.sharedStdout ?? false));
}

/**
 * Stdout. A process that has it to itself writes it from libuv's threads rather than from the event loop that
 * answers Slack: a synchronous write of every line (pino's default) waits in `write` to the pipe once per command
 * and click, so a slow reader of the container's log held up acks (4% of the answering process's busy time on a
 * click in the ack bench's profile). Lines that come while a write is under way go out together in the next. On
 * exit, even by `process.exit`, pino writes what is left before the process ends; only a SIGKILL can lose the lines
 * still in flight. A shared stdout keeps the synchronous write of each line (see LoggerOptions.sharedStdout).
 */
function stdout(shared: boolean): pino.DestinationStream {
  return pino.destination({ dest: 1, sync: shared });
}
