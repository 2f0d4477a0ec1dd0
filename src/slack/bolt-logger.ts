import { LogLevel, type Logger as BoltLogger } from '@slack/bolt';
import type { Logger } from '../observability/create-logger.js';

/** Routes Bolt's own logging into pino, so every line ends up in one JSON stream with one redaction policy. */
export function toBoltLogger(logger: Logger): BoltLogger {
  const child = logger.child({ component: 'bolt' });
  let level = LogLevel.INFO;
  const join = (messages: unknown[]) => messages.map((m) => (typeof m === 'string' ? m : JSON.stringify(m))).join(' ');
  return {
    debug: (...messages) => child.debug(join(messages)),
    info: (...messages) => child.info(join(messages)),
    warn: (...messages) => child.warn(join(messages)),
    error: (...messages) => child.error(join(messages)),
    setLevel: (next) => {
      level = next;
    },
    getLevel: () => level,
    setName: () => {},
  };
}
