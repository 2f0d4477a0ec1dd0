import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { canActWithScopes } from '../auth/authorize.js';
import type { ApiToken } from '../config/api-tokens.js';
import { isFlightdeckError, type ErrorCode } from '../errors/flightdeck-error.js';
import type { Logger } from '../observability/create-logger.js';
import type { FlightdeckMetrics } from '../observability/create-metrics.js';
import type { OpsRoute } from '../observability/ops-routes.js';
import { startRun } from '../use-cases/start-run.js';
import type { UseCaseServices } from '../use-cases/use-case-services.js';
import { deployBodySchema, wordIssues } from './deploy-body-schema.js';
import { findBearerToken } from './find-bearer-token.js';
import { plainText, readBody, sendError, sendJson } from './http-answers.js';
import { runStatus, runUrl } from './run-status.js';
import type { TokenRateLimiter } from './take-rate-limit.js';

export interface ApiRoutesOptions {
  services: UseCaseServices;
  /** The configured CI tokens (`API_TOKENS`); none means every request is answered 401. */
  tokens: readonly ApiToken[];
  limiter: TokenRateLimiter;
  /** Requests per minute for a token whose entry sets none (`API_REQUESTS_PER_MINUTE`). */
  requestsPerMinute: number;
  logger: Logger;
  /** When given, every answer is counted in `flightdeck_api_requests_total`. */
  metrics?: Pick<FlightdeckMetrics, 'apiRequests'>;
}

/** How a refusal of the use case or the gate is answered; any other code is flightdeck's fault (500). */
const STATUS_OF: Partial<Record<ErrorCode, number>> = {
  usage: 400,
  'invalid-version': 400,
  'unknown-service': 400,
  'unknown-environment': 400,
  'environment-not-allowed': 400,
  forbidden: 403,
  'run-not-found': 404,
  'target-locked': 409,
  'store-conflict': 409,
  'redis-unavailable': 503,
};

const RUN_ID = /^[1-9][0-9]{0,15}$/;

/**
 * The HTTP API for CI, as routes on the web role's server beside `/slack/events` (Bolt's custom routes, in HTTP
 * and in Socket Mode alike): `POST /api/v1/deploys` starts a run through the same use case, gate and audit as
 * `/deploy`, and `GET /api/v1/runs/:id` answers its state. docs/api/openapi.yaml is the contract. A request does
 * what `/deploy` does before its ack (Redis only) and nothing more.
 */
export function createApiRoutes(options: ApiRoutesOptions): OpsRoute[] {
  const { services, logger } = options;

  /** The token the request presents, after its turn under the rate limit; undefined once the refusal is sent. */
  async function admit(req: IncomingMessage, res: ServerResponse, unread: boolean): Promise<ApiToken | undefined> {
    const header = req.headers.authorization;
    const token = findBearerToken(header, options.tokens);
    if (!token) {
      logger.info({ path: req.url, presented: header !== undefined }, 'API request without a known token refused');
      const challenge = header === undefined ? 'Bearer realm="flightdeck"' : 'Bearer realm="flightdeck", error="invalid_token"';
      sendError(
        res,
        401,
        {
          error: 'unauthorized',
          message: header === undefined ? 'This request has no token.' : 'The token is not one flightdeck knows.',
          remedy: 'Send the header Authorization: Bearer <token>, with a token listed in flightdeck\'s API_TOKENS (docs/api.md).',
        },
        { 'www-authenticate': challenge },
        unread,
      );
      return undefined;
    }
    const turn = await options.limiter.take(token.name, token.requestsPerMinute ?? options.requestsPerMinute);
    if (!turn.allowed) {
      logger.info({ token: token.name, retryAfterSeconds: turn.retryAfterSeconds }, 'API request over the rate limit refused');
      sendError(
        res,
        429,
        {
          error: 'rate-limited',
          message: `The token ${token.name} made more than ${token.requestsPerMinute ?? options.requestsPerMinute} requests this minute.`,
          remedy: `Try again in ${turn.retryAfterSeconds} s (Retry-After); poll a run no more often than every few seconds.`,
        },
        { 'retry-after': String(turn.retryAfterSeconds) },
        unread,
      );
      return undefined;
    }
    return token;
  }

  function refuse(res: ServerResponse, err: unknown, context: Record<string, unknown>): void {
    const status = isFlightdeckError(err) ? STATUS_OF[err.code] : undefined;
    if (isFlightdeckError(err) && status !== undefined) {
      logger.info({ ...context, code: err.code, status }, 'API request refused');
      sendError(res, status, { error: err.code, message: plainText(err.message), ...(err.remedy ? { remedy: plainText(err.remedy) } : {}) });
      return;
    }
    const reference = randomUUID().slice(0, 8);
    logger.error({ ...context, err, reference }, 'API request failed');
    sendError(res, 500, { error: 'internal', message: `flightdeck hit an internal error and changed nothing (reference: ${reference}).`, remedy: "The operators can find it in flightdeck's logs." });
  }

  async function postDeploy(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const token = await admit(req, res, true);
    if (!token) return;
    const context = { token: token.name };
    const text = await readBody(req);
    if (text === 'too-large') {
      sendError(res, 413, { error: 'body-too-large', message: 'The request body is over 16 KiB.', remedy: 'Send only the fields of DeployRequest (docs/api/openapi.yaml).' }, {}, true);
      return;
    }
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch {
      sendError(res, 400, { error: 'invalid-body', message: 'The body is not JSON.', remedy: 'Send a JSON object: { "service", "version", "environment" }.', issues: [{ path: '', message: 'is not JSON' }] });
      return;
    }
    const parsed = deployBodySchema.safeParse(json);
    if (!parsed.success) {
      const issues = wordIssues(parsed.error);
      logger.info({ ...context, issues }, 'API deploy request with a bad body refused');
      sendError(res, 400, {
        error: 'invalid-body',
        message: `The deploy request has ${issues.length === 1 ? 'a problem' : `${issues.length} problems`}: ${issues.map((issue) => `${issue.path || 'body'} ${issue.message}`).join('; ')}.`,
        remedy: 'Fix the fields named in issues (docs/api/openapi.yaml, DeployRequest).',
        issues,
      });
      return;
    }
    const body = parsed.data;
    try {
      const run = await startRun(
        {
          service: body.service,
          version: body.version,
          environment: body.environment,
          commit: body.commit ? { sha: body.commit.sha, at: body.commit.time === undefined ? undefined : Date.parse(body.commit.time) } : undefined,
          reason: body.reason,
        },
        { userId: `api:${token.name}`, channelId: '', via: 'api', scopes: token.scopes },
        services,
      );
      logger.info({ ...context, runId: run.id, service: run.service, environment: run.environment, version: run.version }, 'API deploy started');
      sendJson(res, 202, runStatus(run), { location: runUrl(run.id) });
    } catch (err) {
      refuse(res, err, { ...context, service: body.service, environment: body.environment });
    }
  }

  async function getRun(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const token = await admit(req, res, false);
    if (!token) return;
    const id = decodeURIComponent(new URL(req.url ?? '/', 'http://api').pathname.split('/').at(-1) ?? '');
    const run = RUN_ID.test(id) ? await services.store.get(id) : null;
    if (!run) {
      sendError(res, 404, { error: 'run-not-found', message: `There is no run ${JSON.stringify(id)}.`, remedy: 'Use the id (or url) POST /api/v1/deploys answered.' });
      return;
    }
    try {
      // Reads are not audited, but a token sees only the runs it could have started.
      canActWithScopes(token.name, token.scopes, run.service, run.environment, 'read runs of');
    } catch (err) {
      refuse(res, err, { token: token.name, runId: id });
      return;
    }
    sendJson(res, 200, runStatus(run));
  }

  const guarded = (route: string, handler: (req: IncomingMessage, res: ServerResponse) => Promise<void>) => (req: IncomingMessage, res: ServerResponse) => {
    res.once('finish', () => options.metrics?.apiRequests.inc({ route, status: String(res.statusCode) }));
    handler(req, res).catch((err: unknown) => {
      if (!res.headersSent) refuse(res, err, { path: req.url });
      else res.destroy();
    });
  };

  return [
    { path: '/api/v1/deploys', method: ['POST'], handler: guarded('deploys', postDeploy) },
    { path: '/api/v1/runs/:id', method: ['GET'], handler: guarded('runs', getRun) },
  ];
}
