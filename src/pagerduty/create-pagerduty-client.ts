import { api, event } from '@pagerduty/pdjs';
import { NO_PROXIES, type ProxySettings } from '../config/proxy-settings.js';
import { FlightdeckError } from '../errors/flightdeck-error.js';
import { createNodeAgentFor } from '../net/create-node-agent.js';
import { findOnCallEmails } from './find-on-call-emails.js';
import { changeAcceptedSchema, eventAcceptedSchema } from './pagerduty-schemas.js';
import { type PagerDutySurface, errorFromRejection, errorFromStatus } from './to-pagerduty-error.js';

export type PagerDutySeverity = 'critical' | 'error' | 'warning' | 'info';

export interface PagerDutyLink {
  href: string;
  text?: string;
}

export interface PagerDutyClientOptions {
  /** Events API host[:port] without scheme (pdjs always speaks https); default `events.pagerduty.com`. */
  eventsServer?: string;
  /** REST API base URL; default `https://api.pagerduty.com`. */
  apiUrl?: string;
  /** REST API token, needed only by `findOnCallEmails`; without it that method fails with `pagerduty-rejected`. */
  apiToken?: string;
  /** Extra CA (PEM) to trust for https, e.g. an emulator's self-signed certificate; default the system CAs. */
  ca?: string | Buffer;
  /** Proxies (HTTPS_PROXY, NO_PROXY) for both APIs; default none. `ca` is still what the PagerDuty end is checked against. */
  proxy?: ProxySettings;
  /** Deadline for each method call as a whole, including pdjs's own 429 retries and every page; default 10,000 ms. */
  timeoutMs?: number;
  /**
   * Wait before each of pdjs's (up to 3) retries of a 429; default 500 ms. pdjs's own default is 20 s, which would
   * stall the alert path for a minute; a short wait and then a retryable `pagerduty-unavailable` lets the caller's
   * queue back off instead.
   */
  rateLimitRetryMs?: number;
  /** Clock for change-event timestamps; default `() => new Date()`. */
  now?: () => Date;
}

export interface TriggerInput {
  routingKey: string;
  /** Use `dedupKeyFor(runId, guardId)`, so a retried trigger never opens a second incident. */
  dedupKey: string;
  /** Longer than PagerDuty's 1,024 characters is cut, ending in an ellipsis. */
  summary: string;
  source: string;
  severity: PagerDutySeverity;
  customDetails?: Record<string, unknown>;
  links?: PagerDutyLink[];
}

export interface FollowUpInput {
  routingKey: string;
  dedupKey: string;
}

export interface ChangeEventInput {
  routingKey: string;
  summary: string;
  source?: string;
  customDetails?: Record<string, unknown>;
  links?: PagerDutyLink[];
}

/** Every method rejects with a FlightdeckError: `pagerduty-unavailable` (network, timeout, 408/429/5xx; retryable) or `pagerduty-rejected` (other 4xx, bad input; permanent). */
export interface PagerDutyClient {
  /** Opens (or, with the same dedup key while open, adds to) an incident; resolves with the dedup key PagerDuty used. */
  trigger(input: TriggerInput): Promise<{ dedupKey: string }>;
  /** PagerDuty accepts it even when no incident is open for the key (and then does nothing). */
  acknowledge(input: FollowUpInput): Promise<{ dedupKey: string }>;
  resolve(input: FollowUpInput): Promise<{ dedupKey: string }>;
  /** A change event (deploy start, finish, rollback) on the service's timeline; it never pages. */
  changeEvent(input: ChangeEventInput): Promise<void>;
  /** Emails of the level-1 on-calls of the policy; an empty array when nobody is on call. */
  findOnCallEmails(escalationPolicyId: string): Promise<string[]>;
}

/** pdjs types every event as a trigger with a payload; acknowledge, resolve and change events have other shapes. */
type PdjsEventData = Parameters<typeof event>[0]['data'];

const MAX_SUMMARY = 1024;

function invalidInput(message: string): FlightdeckError {
  return new FlightdeckError('pagerduty-rejected', message, { remedy: 'This is a flightdeck configuration or programming error; nothing was sent to PagerDuty.' });
}

function requireText(value: string, what: string, max: number): void {
  if (value.trim() === '') throw invalidInput(`PagerDuty request is missing its ${what}`);
  if (value.length > max) throw invalidInput(`PagerDuty ${what} is ${value.length} characters; the limit is ${max}`);
}

function checkServer(server: string): string {
  if (!/^[A-Za-z0-9.-]+(:\d+)?$/.test(server)) {
    throw new FlightdeckError('config-invalid', `PagerDuty events server "${server}" must be host[:port] without a scheme or path`, {
      remedy: 'Use e.g. events.pagerduty.com or events.eu.pagerduty.com.',
    });
  }
  return server;
}

function checkApiUrl(url: string): string {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new FlightdeckError('config-invalid', `PagerDuty API URL "${url}" is not a URL`, { remedy: 'Use e.g. https://api.pagerduty.com.' });
  }
  if (parsed.protocol !== 'https:' && parsed.protocol !== 'http:') {
    throw new FlightdeckError('config-invalid', `PagerDuty API URL "${url}" must be http(s)`, { remedy: 'Use e.g. https://api.pagerduty.com.' });
  }
  return url.replace(/\/+$/, '');
}

/**
 * A PagerDuty client over `@pagerduty/pdjs` with pdjs's traps handled: its `requestTimeout` only starts a no-op
 * timer, so it is 0 and an AbortSignal enforces `timeoutMs`; 4xx/5xx resolve in pdjs, so every status is checked;
 * the agent (a proxy's, or one trusting `ca`) goes through pdjs's extra options into node-fetch.
 *
 * @throws FlightdeckError `config-invalid` at once when `eventsServer` or `apiUrl` is malformed.
 */
export function createPagerDutyClient(options: PagerDutyClientOptions = {}): PagerDutyClient {
  const server = checkServer(options.eventsServer ?? 'events.pagerduty.com');
  const apiUrl = checkApiUrl(options.apiUrl ?? 'https://api.pagerduty.com');
  const timeoutMs = options.timeoutMs ?? 10_000;
  const rateLimitRetryMs = options.rateLimitRetryMs ?? 500;
  const now = options.now ?? (() => new Date());
  // node-fetch v2 accepts a function choosing the agent per URL: through a proxy or not, trusting `ca` for https.
  const agent = createNodeAgentFor(options.proxy ?? NO_PROXIES, options.ca);

  function transport(signal: AbortSignal): Record<string, unknown> {
    return { requestTimeout: 0, retryTimeout: rateLimitRetryMs, signal, ...(agent ? { agent } : {}) };
  }

  async function call(surface: PagerDutySurface, action: string, send: (extra: Record<string, unknown>) => Promise<{ ok: boolean; status: number; data: unknown }>, signal: AbortSignal): Promise<unknown> {
    let response: { ok: boolean; status: number; data: unknown };
    try {
      response = await send(transport(signal));
    } catch (err) {
      throw errorFromRejection(surface, action, err, timeoutMs);
    }
    if (!response.ok) throw errorFromStatus(surface, action, response.status, response.data);
    return response.data;
  }

  async function sendEvent(type: 'event' | 'change', action: string, data: Record<string, unknown>): Promise<unknown> {
    const signal = AbortSignal.timeout(timeoutMs);
    return call('events', action, (extra) => event({ data: data as unknown as PdjsEventData, server, type, ...extra }), signal);
  }

  async function followUp(eventAction: 'acknowledge' | 'resolve', input: FollowUpInput): Promise<{ dedupKey: string }> {
    requireText(input.routingKey, 'routing key', 64);
    requireText(input.dedupKey, 'dedup key', 255);
    const action = `${eventAction} event for ${input.dedupKey}`;
    const body = await sendEvent('event', action, { routing_key: input.routingKey, event_action: eventAction, dedup_key: input.dedupKey });
    return { dedupKey: accepted(body, action) };
  }

  return {
    async trigger(input) {
      requireText(input.routingKey, 'routing key', 64);
      requireText(input.dedupKey, 'dedup key', 255);
      requireText(input.source, 'source', 1024);
      if (input.summary.trim() === '') throw invalidInput('PagerDuty trigger is missing its summary');
      // An alert must not be lost over a long summary: cut it rather than let PagerDuty refuse the page.
      const summary = input.summary.length > MAX_SUMMARY ? `${input.summary.slice(0, MAX_SUMMARY - 1)}…` : input.summary;
      const action = `trigger event for ${input.dedupKey}`;
      const body = await sendEvent('event', action, {
        routing_key: input.routingKey,
        event_action: 'trigger',
        dedup_key: input.dedupKey,
        payload: { summary, source: input.source, severity: input.severity, ...(input.customDetails ? { custom_details: input.customDetails } : {}) },
        ...(input.links ? { links: input.links } : {}),
      });
      return { dedupKey: accepted(body, action) };
    },
    acknowledge: (input) => followUp('acknowledge', input),
    resolve: (input) => followUp('resolve', input),
    async changeEvent(input) {
      requireText(input.routingKey, 'routing key', 64);
      requireText(input.summary, 'summary', MAX_SUMMARY);
      const action = 'change event';
      const body = await sendEvent('change', action, {
        routing_key: input.routingKey,
        payload: {
          summary: input.summary,
          timestamp: now().toISOString(),
          ...(input.source ? { source: input.source } : {}),
          ...(input.customDetails ? { custom_details: input.customDetails } : {}),
        },
        ...(input.links ? { links: input.links } : {}),
      });
      if (!changeAcceptedSchema.safeParse(body).success) throw unexpected(action);
    },
    async findOnCallEmails(escalationPolicyId) {
      if (!options.apiToken) {
        throw new FlightdeckError('pagerduty-rejected', 'No PagerDuty API token is configured, so the on-call cannot be looked up', {
          remedy: 'Set the PagerDuty API token (read-only is enough) in flightdeck’s environment.',
        });
      }
      requireText(escalationPolicyId, 'escalation policy id', 64);
      const token = options.apiToken;
      const signal = AbortSignal.timeout(timeoutMs);
      return findOnCallEmails(
        (action, path, query) => call('rest', action, (extra) => api({ token, url: `${apiUrl}${path}`, method: 'GET', data: query, ...extra }), signal),
        escalationPolicyId,
      );
    },
  };
}

function unexpected(action: string): FlightdeckError {
  return new FlightdeckError('pagerduty-unavailable', `PagerDuty accepted the ${action} with an unexpected body`, {
    remedy: 'flightdeck retries with backoff; if this persists, PagerDuty may have changed its API.',
  });
}

function accepted(body: unknown, action: string): string {
  const parsed = eventAcceptedSchema.safeParse(body);
  if (!parsed.success) throw unexpected(action);
  return parsed.data.dedup_key;
}
