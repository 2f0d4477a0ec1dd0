#!/usr/bin/env node
import { checkConfig } from './config/check-config.js';
import { loadConfig } from './config/load-config.js';
import { loadEnv } from './config/load-env.js';
import { isFlightdeckError } from './errors/flightdeck-error.js';
import { createLogger } from './observability/create-logger.js';
import { startFlightdeck } from './start-flightdeck.js';

const USAGE = `Usage: flightdeck <command>

Commands:
  serve            Run flightdeck (role from FLIGHTDECK_ROLE: web, worker or all). The default.
  check [file...]  Validate the catalog and every checklist (or just the named checklist files).
  help             Show this text.`;

async function serve(): Promise<number> {
  const env = loadEnv(process.env);
  const logger = createLogger(env.logLevel);
  const config = await loadConfig(env);
  const flightdeck = await startFlightdeck(config, logger);
  logger.info({ role: env.role }, 'flightdeck started');
  await new Promise<void>((resolve) => {
    const stop = (signal: string) => {
      logger.info({ signal }, 'shutting down');
      flightdeck.stop().then(resolve, (err: unknown) => {
        logger.error({ err }, 'shutdown failed');
        resolve();
      });
    };
    process.once('SIGTERM', () => stop('SIGTERM'));
    process.once('SIGINT', () => stop('SIGINT'));
  });
  return 0;
}

async function check(files: string[]): Promise<number> {
  const env = loadEnv({ ...process.env, FLIGHTDECK_ROLE: 'worker', SLACK_BOT_TOKEN: process.env.SLACK_BOT_TOKEN ?? 'unused-by-check' });
  const problems = await checkConfig({ configPath: env.configPath, checklistDir: env.checklistDir, files: files.length > 0 ? files : undefined });
  if (problems.length === 0) {
    process.stdout.write(files.length > 0 ? `${files.length} checklist file(s) OK\n` : `${env.configPath} and its checklists are OK\n`);
    return 0;
  }
  process.stderr.write(`${problems.join('\n')}\n${problems.length} problem(s) found\n`);
  return 1;
}

async function run(args: string[]): Promise<number> {
  const [command = 'serve', ...rest] = args;
  switch (command) {
    case 'serve':
      return serve();
    case 'check':
      return check(rest);
    case 'help':
    case '--help':
    case '-h':
      process.stdout.write(`${USAGE}\n`);
      return 0;
    default:
      process.stderr.write(`Unknown command "${command}".\n${USAGE}\n`);
      return 2;
  }
}

run(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (err: unknown) => {
    // Configuration problems are the operator's to fix: print them plainly, without a stack trace.
    process.stderr.write(isFlightdeckError(err) ? `${err.message}\n` : `${(err as Error).stack ?? String(err)}\n`);
    process.exitCode = 1;
  },
);
