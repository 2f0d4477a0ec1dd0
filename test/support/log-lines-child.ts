import { createLogger } from '../../src/observability/create-logger.js';

/**
 * A process that logs `count` lines of about `size` bytes to stdout with flightdeck's logger, as fast as it can,
 * then exits: `node --import tsx log-lines-child.ts <tag> <count> <size> <shared: 1|0>`.
 */
const [tag = 'x', count = '100', size = '1000', shared = '1'] = process.argv.slice(2);
const logger = createLogger('info', undefined, { sharedStdout: shared === '1' });
const pad = 'x'.repeat(Number(size));
for (let i = 0; i < Number(count); i++) logger.info({ tag, i, pad }, 'line');
