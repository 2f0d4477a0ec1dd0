import { App, HTTPReceiver } from '@slack/bolt';
import type { CommandDefinition, CommandServices } from '../../commands/command-definition.js';
import type { Server } from 'node:http';
import type { Logger } from '../observability/create-logger.js';
import type { FlightdeckMetrics } from '../observability/create-metrics.js';
import { meterSlackClient } from '../observability/meter-slack.js';
import { observeAckLatency } from '../observability/observe-ack-latency.js';
import type { OpsRoute } from '../observability/ops-routes.js';
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
  /** Extra GET routes on the same port (`/healthz`, `/readyz`, `/metrics`). Default: `/healthz` only. */
  routes?: readonly OpsRoute[];
  /** When given, ack latency of `/slack/events` and the client's 429s are recorded here. */
  metrics?: FlightdeckMetrics;
}

const HEALTHZ_ONLY: readonly OpsRoute[] = [
  {
    path: '/healthz',
    method: ['GET'],
    handler: (_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end('{"ok":true}');
    },
  },
];

export interface SlackApp {
  /** Starts listening on `port`; resolves once the HTTP server is bound. */
  start(): Promise<void>;
  stop(): Promise<void>;
}

/** The Slack edge: Bolt over HTTP at `POST /slack/events`, plus the GET routes for the process supervisor. */
export function createSlackApp(options: SlackAppOptions): SlackApp {
  const boltLogger = toBoltLogger(options.logger);
  const receiver = new HTTPReceiver({
    signingSecret: options.signingSecret,
    endpoints: '/slack/events',
    logger: boltLogger,
    customRoutes: [...(options.routes ?? HEALTHZ_ONLY)],
  });
  const app = new App({
    token: options.token,
    receiver,
    logger: boltLogger,
    clientOptions: { slackApiUrl: options.apiUrl, retryConfig: { retries: 2 } },
  });
  if (options.metrics) meterSlackClient(app.client, options.metrics);
  app.error(async (err) => {
    options.logger.error({ err }, 'unhandled Slack listener error');
  });
  registerCommands(app, options.commands, options.services, options.logger);
  registerItemActions(app, options.services.engine, options.logger);
  return {
    async start() {
      const server = (await app.start(options.port)) as Server;
      if (options.metrics) observeAckLatency(server, '/slack/events', options.metrics);
    },
    async stop() {
      await app.stop();
    },
  };
}
