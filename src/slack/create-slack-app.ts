import { App, HTTPReceiver } from '@slack/bolt';
import type { CommandDefinition, CommandServices } from '../../commands/command-definition.js';
import type { Logger } from '../observability/create-logger.js';
import { toBoltLogger } from './bolt-logger.js';
import { registerCommands } from './register-commands.js';
import { registerItemActions } from './register-item-actions.js';

export interface SlackAppOptions {
  token: string;
  signingSecret: string;
  /** Slack Web API base URL, trailing slash. */
  apiUrl: string;
  port: number;
  commands: readonly CommandDefinition<unknown>[];
  services: CommandServices;
  logger: Logger;
}

export interface SlackApp {
  /** Starts listening on `port`; resolves once the HTTP server is bound. */
  start(): Promise<void>;
  stop(): Promise<void>;
}

/** The Slack edge: Bolt over HTTP at `POST /slack/events`, plus `GET /healthz` for the process supervisor. */
export function createSlackApp(options: SlackAppOptions): SlackApp {
  const boltLogger = toBoltLogger(options.logger);
  const receiver = new HTTPReceiver({
    signingSecret: options.signingSecret,
    endpoints: '/slack/events',
    logger: boltLogger,
    customRoutes: [
      {
        path: '/healthz',
        method: ['GET'],
        handler: (_req, res) => {
          res.writeHead(200, { 'content-type': 'application/json' });
          res.end('{"ok":true}');
        },
      },
    ],
  });
  const app = new App({
    token: options.token,
    receiver,
    logger: boltLogger,
    clientOptions: { slackApiUrl: options.apiUrl, retryConfig: { retries: 2 } },
  });
  app.error(async (err) => {
    options.logger.error({ err }, 'unhandled Slack listener error');
  });
  registerCommands(app, options.commands, options.services, options.logger);
  registerItemActions(app, options.services.engine, options.logger);
  return {
    async start() {
      await app.start(options.port);
    },
    async stop() {
      await app.stop();
    },
  };
}
