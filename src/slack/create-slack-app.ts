import { App, HTTPReceiver, SocketModeReceiver, type Logger as BoltLogger, type Receiver } from '@slack/bolt';
import type { FetchFunction } from '@slack/web-api';
import type { Dispatcher } from 'undici';
import type { CommandDefinition, CommandServices } from '../../commands/command-definition.js';
import type { Server } from 'node:http';
import type { Logger } from '../observability/create-logger.js';
import type { FlightdeckMetrics } from '../observability/create-metrics.js';
import { meterSlackClient } from '../observability/meter-slack.js';
import { observeAckLatency, observeSocketAckLatency } from '../observability/observe-ack-latency.js';
import type { OpsRoute } from '../observability/ops-routes.js';
import type { CatalogFourKeys } from '../run/store/catalog-four-keys.js';
import { toBoltLogger } from './bolt-logger.js';
import { ackUnknownInteractions } from './ack-unknown-interactions.js';
import { DEPLOY_MODAL_CALLBACK_ID } from './deploy-modal.js';
import { dropRedeliveries } from './drop-redeliveries.js';
import { guardSlackRequests } from './guard-slack-requests.js';
import { registerCommands } from './register-commands.js';
import { commandOnlyReads } from './command-only-reads.js';
import { registerHome } from './publish-home.js';
import { registerIncidentActions, type IncidentActions } from './register-incident-actions.js';
import { registerDeployModal } from './register-deploy-modal.js';
import { CONTROL_ACTION, ITEM_ACTION, registerRunActions, runActionClaim } from './register-run-actions.js';
import { refuseMalformedInteractions } from './refuse-malformed-interactions.js';
import { ROLLBACK_ACTION, registerRollbackActions } from './register-rollback-actions.js';
import type { RespondTo } from './respond-to.js';
import { ROLLBACK_CONFIRM_CALLBACK } from './rollback-confirm-view.js';
import { INCIDENT_ACK_ACTION, INCIDENT_HOLD_ACTION, INCIDENT_ROLLBACK_ACTION } from './slack-incident-notifier.js';

export interface SlackAppOptions {
  token: string;
  /** Verifies HTTP requests; unused in Socket Mode. */
  signingSecret: string;
  /** An app-level token (`xapp-…`): when given, Slack delivers over Socket Mode instead of HTTP. */
  appToken?: string;
  /** Slack Web API base URL, trailing slash. */
  apiUrl: string;
  port: number;
  /** Interface the HTTP receiver binds; default all. The sandbox binds loopback only. */
  host?: string;
  commands: readonly CommandDefinition<unknown>[];
  services: CommandServices;
  /** The four keys of every catalog service, for the Home tab: the process's one shared reader. */
  catalogKeys: CatalogFourKeys;
  logger: Logger;
  /** Extra routes on the same port (`/healthz`, `/readyz`, `/metrics`, the CI API under `/api/v1`). Default: `/healthz` only. */
  routes?: readonly OpsRoute[];
  /** When given, ack latency of `/slack/events` and the client's 429s are recorded here. */
  metrics?: FlightdeckMetrics;
  /** The on-call DM's Rollback and Acknowledge buttons; without it those buttons are not handled. */
  incidentActions?: IncidentActions;
  /**
   * Outbound transport when a proxy is set (HTTPS_PROXY): `fetch` for Web API calls and response URLs, and
   * `dispatcher` for Socket Mode's `apps.connections.open` and WebSocket. Default: direct connections.
   */
  proxy?: { fetch: FetchFunction; dispatcher: Dispatcher };
  /** How listeners answer the person behind a request through its response URL (the outbound transport's). */
  respondTo: RespondTo;
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

const EVENTS_PATH = '/slack/events';

/*
 * Node closes an idle keep-alive connection after 5 s. A load balancer or client that reuses it in that moment
 * gets a reset instead of an ack — a lost click. Idle connections are held longer than the usual upstream idle
 * timeouts (AWS ALB and ingress-nginx: 60 s), so the peer always closes first; headers must be allowed longer still.
 */
const KEEP_ALIVE_TIMEOUT_MS = 65_000;

function holdIdleConnections(server: Server): void {
  server.keepAliveTimeout = KEEP_ALIVE_TIMEOUT_MS;
  server.headersTimeout = KEEP_ALIVE_TIMEOUT_MS + 1000;
}

/**
 * Bolt's HTTPReceiver behind {@link guardSlackRequests}: its server calls `requestListener` for every
 * request, so replacing that one public listener puts the signature window and envelope checks in front
 * while Bolt keeps serving the custom routes, ssl_check, url_verification and acks. Bolt's own signature check
 * is off: the guard has checked every request that reaches Bolt's events path, and Bolt's check parsed the
 * whole form once more (a click's carries the message) for its ssl_check test, then took a second HMAC.
 */
function guardedHttpReceiver(options: SlackAppOptions, boltLogger: BoltLogger, customRoutes: OpsRoute[]): HTTPReceiver {
  const receiver = new HTTPReceiver({ signingSecret: options.signingSecret, signatureVerification: false, endpoints: EVENTS_PATH, logger: boltLogger, customRoutes });
  receiver.requestListener = guardSlackRequests(receiver.requestListener, { signingSecret: options.signingSecret, path: EVENTS_PATH, logger: options.logger });
  return receiver;
}

export interface SlackApp {
  /** Starts listening on `port`; resolves once the HTTP server is bound. */
  start(): Promise<void>;
  stop(): Promise<void>;
}

/**
 * The Slack edge: Bolt over HTTP at `POST /slack/events`, or over Socket Mode when an app token is given;
 * either way the GET routes for the process supervisor are served on `port`. Listeners are the same in
 * both modes: only the receiver differs. Nothing reaches Bolt's dispatch unchecked: over HTTP the signature
 * (both ways in time) and the envelope are checked first, and in both modes a click or submission with a
 * wrong-typed field is acked and dropped before any middleware runs.
 */
export function createSlackApp(options: SlackAppOptions): SlackApp {
  const boltLogger = toBoltLogger(options.logger);
  const customRoutes = [...(options.routes ?? HEALTHZ_ONLY)];
  const socketReceiver = options.appToken
    ? new SocketModeReceiver({
        appToken: options.appToken,
        logger: boltLogger,
        customRoutes,
        // Bolt hands installerOptions.clientOptions to the Socket Mode client, which calls apps.connections.open:
        // it must reach the same (possibly emulated) API; port is where the custom routes are served.
        installerOptions: { port: options.port, clientOptions: { slackApiUrl: options.apiUrl } },
        // Only with a proxy: without a dispatcher, Socket Mode builds its own, which can force-close a stalled socket.
        ...(options.proxy ? { dispatcher: options.proxy.dispatcher } : {}),
      })
    : undefined;
  const receiver: Receiver = socketReceiver ?? guardedHttpReceiver(options, boltLogger, customRoutes);
  if (options.metrics && socketReceiver) observeSocketAckLatency(socketReceiver.client, options.metrics);
  const app = new App({
    token: options.token,
    receiver: refuseMalformedInteractions(receiver, options.logger),
    logger: boltLogger,
    // No listener reads Bolt's per-process conversation store (all state lives in Redis); it only costs every request a lookup.
    convoStore: false,
    clientOptions: { slackApiUrl: options.apiUrl, retryConfig: { retries: 2 }, ...(options.proxy ? { fetch: options.proxy.fetch } : {}) },
  });
  if (options.metrics) meterSlackClient(app.client, options.metrics);
  app.error(async (err) => {
    options.logger.error({ err }, 'unhandled Slack listener error');
  });
  // A run button's click claim goes with the delivery's: one round trip for both; a command that only reads claims none.
  app.use(dropRedeliveries(options.services.store, options.logger, runActionClaim, commandOnlyReads(options.commands)));
  // Keep in step with the registrations below: an id missing here would be answered "no longer in use".
  app.use(
    ackUnknownInteractions(
      {
        actions: [ITEM_ACTION, CONTROL_ACTION, ROLLBACK_ACTION, ...(options.incidentActions ? [INCIDENT_ROLLBACK_ACTION, INCIDENT_ACK_ACTION, INCIDENT_HOLD_ACTION] : [])],
        views: [DEPLOY_MODAL_CALLBACK_ID, ROLLBACK_CONFIRM_CALLBACK],
      },
      options.logger,
      options.respondTo,
    ),
  );
  registerCommands(app, options.commands, options.services, options.logger, options.respondTo);
  if (options.incidentActions) registerIncidentActions(app, options.incidentActions, options.services, options.logger, options.respondTo);
  registerDeployModal(app, options.services, options.logger);
  registerRunActions(app, options.services, options.logger, options.respondTo);
  registerRollbackActions(app, options.services, options.logger, options.respondTo);
  registerHome(app, { ...options.services, catalogKeys: options.catalogKeys }, options.logger);
  return {
    async start() {
      const server = (await (options.host && !options.appToken ? app.start({ port: options.port, host: options.host }) : app.start(options.port))) as Server | undefined;
      if (!options.appToken && server) holdIdleConnections(server);
      // Over HTTP ack latency is measured on the server; in Socket Mode on the client's envelopes (above).
      if (options.metrics && !options.appToken && server) observeAckLatency(server, EVENTS_PATH, options.metrics);
    },
    async stop() {
      await app.stop();
    },
  };
}
