import { pino, type Logger, type LevelWithSilent } from 'pino';

export type { Logger };

/** Paths pino blanks on every line, so a token logged by accident never reaches the log store. */
const REDACT = [
  'token',
  '*.token',
  'botToken',
  '*.botToken',
  'signingSecret',
  '*.signingSecret',
  'authorization',
  '*.authorization',
  'headers.authorization',
  '*.headers.authorization',
];

export function createLogger(level: LevelWithSilent = 'info', destination?: NodeJS.WritableStream): Logger {
  const options = { level, base: { app: 'flightdeck' }, redact: { paths: REDACT, censor: '[redacted]' } };
  return destination ? pino(options, destination as pino.DestinationStream) : pino(options);
}
