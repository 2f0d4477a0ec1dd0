import path from 'node:path';
import { z } from 'zod';
import { FlightdeckError } from '../errors/flightdeck-error.js';
import { choiceField, connectToField, durationField, intField, noProxyField, optionalSecretField, patternField, proxyField, redisUrlField, secretField, textField, urlField } from './env-fields.js';
import { parseApiTokens, type ApiToken } from './api-tokens.js';
import type { ConnectToRule } from './connect-to-rules.js';
import type { ProxySettings } from './proxy-settings.js';
import { defineSecret, type Secret } from './secret.js';

export const ROLES = ['web', 'worker', 'all'] as const;
/** Which half of flightdeck this process runs: the Slack listener (`web`), the queue workers, or both. */
export type Role = (typeof ROLES)[number];

export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

/**
 * The process environment flightdeck reads once at start-up, parsed and defaulted. The Secret fields are
 * non-enumerable on what loadEnv returns, so logging or serialising the whole Env leaves them out.
 */
export interface Env {
  /** `SLACK_BOT_TOKEN`, required for every role (workers post and edit run messages). Unset stops start-up. */
  slackBotToken: Secret;
  /**
   * `SLACK_SIGNING_SECRET`, used to verify Slack's requests. Required when `role` is `web` or `all`;
   * a worker-only process does not need it and gets `undefined` when it is unset.
   */
  slackSigningSecret: Secret | undefined;
  /**
   * `SLACK_APP_TOKEN` (`xapp-…`), optional. When set, Bolt runs in Socket Mode: Slack delivers over a
   * WebSocket flightdeck opens, no public URL is needed and `SLACK_SIGNING_SECRET` is not required.
   */
  slackAppToken: Secret | undefined;
  /** `SLACK_API_URL`, default `https://slack.com/api/`; always ends with `/`. Not http(s) stops start-up. */
  slackApiUrl: string;
  /**
   * `REDIS_URL`, default `redis://127.0.0.1:6379`; `redis://`, `rediss://` (TLS), or `redis+sentinel://` naming the
   * sentinels and the primary (src/config/redis-target.ts). A Secret because it may carry a password (messages
   * show it masked). Kept as written. Any other form stops start-up.
   */
  redisUrl: Secret;
  /**
   * `REDIS_PREFIX`, default `flightdeck`: letters, digits, `-`, `_`, `:`. Every key is put under the hash
   * tag `{<prefix>}` so all of flightdeck's keys land in one Redis Cluster slot; braces are therefore refused.
   */
  redisPrefix: string;
  /** `FLIGHTDECK_CONFIG`, default `./flightdeck.yaml`: the catalog file. Whether it exists is checked by loadConfig. */
  configPath: string;
  /** `FLIGHTDECK_CHECKLISTS`, default: the `checklists` folder next to the catalog file. */
  checklistDir: string;
  /** `PORT`, default 3000: where the web role listens (1–65535). Anything else stops start-up. */
  port: number;
  /** `LOG_LEVEL`, default `info`; any case is accepted. An unknown level stops start-up. */
  logLevel: LogLevel;
  /** `FLIGHTDECK_ROLE`, default `all`. An unknown role stops start-up. */
  role: Role;
  /**
   * `KUBECONFIG`, optional: kept as written (kubectl allows a `:`-separated list). Unset means
   * @kubernetes/client-node's default loading (`~/.kube/config`, then in-cluster).
   */
  kubeconfig: string | undefined;
  /**
   * `PATH` as the process got it: where a kubeconfig's exec credential plugin would be found. Not a setting of
   * flightdeck's (the image or shell sets it), so it is read as is.
   */
  searchPath: string | undefined;
  /**
   * `K8S_REQUEST_TIMEOUT_MS`, default 15000 (100–300000): the longest one Kubernetes API request may take. A
   * request still unanswered then is aborted and retried with backoff like a 5xx. Watches are not bounded by it.
   */
  k8sRequestTimeoutMs: number;
  /** `WORKER_CONCURRENCY`, default 8: jobs one worker process runs at once (1–256). */
  workerConcurrency: number;
  /**
   * `WORKER_LOCK_MS`, default {@link DEFAULT_WORKER_LOCK_MS} (1000–600000): how long a job's lock lives without
   * renewal, i.e. how soon a dead worker's job is handed to another. Short values speed up recovery but cost more
   * Redis traffic, and a worker whose event loop stalls for about half of it loses its jobs to another worker.
   */
  workerLockMs: number;
  /**
   * `MESSAGE_LAG_BOUND_MS`, default 15000 (1000–600000): how long a run message may trail its run before its
   * render goes ahead of the channel's thread replies and the reconciler renders it again. Counted in
   * `flightdeck_messages_stale` and listed by `flightdeck runs list --stale`.
   */
  messageLagBoundMs: number;
  /**
   * `RECONCILE_INTERVAL_MS`, default 10000 (1000–300000): how often the workers look for runs whose work or
   * message was lost with a process (the bound on recovering them, on top of their own timeouts): one pass per
   * interval across every worker process, whichever takes it.
   */
  reconcileIntervalMs: number;
  /**
   * `CHECKLIST_DURATION_CAP`, optional (a checklist duration, e.g. `2s`): every bake `duration`, follow-up
   * `after`, guard `for` and `interval` and check `interval` longer than it is shortened to it when the
   * checklists are loaded. For rehearsing a real checklist in a sandbox or a test; never set it in production.
   */
  checklistDurationCap: number | undefined;
  /**
   * `PROBE_CONNECT_TO`, optional: `HOST:PORT=ADDR:PORT` rules, comma-separated (`*.suffix` matches any
   * subdomain). An http probe whose URL matches the first fitting rule connects to ADDR:PORT instead, like
   * curl's `--connect-to`: for workers outside the cluster reaching Services through `kubectl port-forward`.
   */
  probeConnectTo: ConnectToRule[];
  /**
   * `FLIGHTDECK_INSTALLATION`, default `flightdeck`: which installation this process belongs to (the chart
   * sets `<namespace>/<release>`). The first process claims REDIS_PREFIX for it; another installation on the
   * same prefix refuses to start, naming the owner.
   */
  installation: string;
  /** `AUDIT_MAX_ENTRIES`, default 100000 (1000–100000000): the audit stream is trimmed to about this many entries. */
  auditMaxEntries: number;
  /**
   * `AUDIT_ARCHIVE_DAYS`, default 30 (0–3650): entries trimmed from the audit stream are kept in per-day archives
   * this many whole days after their day; 0 drops them.
   */
  auditArchiveDays: number;
  /** `RUN_RETENTION_DAYS`, default 90 (1–3650): an ended run's document expires this long after its last change; history keeps its summary. */
  runRetentionDays: number;
  /** `AUDIT_REFUSALS_PER_MINUTE`, default 10 (1–1000): refusals one person may add to the audit per minute; more are answered but not recorded. */
  auditRefusalsPerMinute: number;
  /** `PAGERDUTY_API_TOKEN`, optional: a REST API token (read access to on-calls and users) to find who to DM. */
  pagerdutyApiToken: Secret | undefined;
  /** `PAGERDUTY_EVENTS_SERVER`, default `events.pagerduty.com`: Events API host[:port] (no scheme; always https). */
  pagerdutyEventsServer: string;
  /** `PAGERDUTY_API_URL`, default `https://api.pagerduty.com`: REST API base URL. */
  pagerdutyApiUrl: string;
  /** `PAGERDUTY_CA_FILE`, optional: a PEM file of extra CAs to trust for PagerDuty (a proxy, an emulator). */
  pagerdutyCaFile: string | undefined;
  /**
   * `KUBERNETES_SERVICE_HOST` is set: this process runs in a pod, so the cluster context `in-cluster` (the
   * pod's service account) may be used. False elsewhere, and `in-cluster` is then refused with a remedy.
   */
  inCluster: boolean;
  /**
   * `HTTPS_PROXY`, `HTTP_PROXY` and `NO_PROXY` (the lowercase form of each wins when both are set, as with curl):
   * the proxies every outbound client uses (Slack, PagerDuty, Prometheus, Kubernetes). Unset means direct
   * connections. Non-enumerable, like the Secret fields: a proxy URL may carry a password.
   */
  proxy: ProxySettings;
  /**
   * A variable the catalog names by itself (each service's `pagerduty.routingKeyEnv`), from the environment
   * loadEnv was given, trimmed; undefined when unset or blank. Its values are secrets; like the Secret
   * fields it is non-enumerable, so logging the Env leaves it out.
   */
  readVariable: (name: string) => string | undefined;
  /**
   * `API_TOKENS`, optional: the CI tokens of `POST /api/v1/deploys` (src/config/api-tokens.ts), a JSON or YAML list
   * from a Secret. Unset or blank: no token, so every API request is answered 401. A bad list stops start-up.
   * Non-enumerable like the Secret fields (it holds the tokens' hashes).
   */
  apiTokens: readonly ApiToken[];
  /** `API_REQUESTS_PER_MINUTE`, default 60 (1–10000): requests one API token may make per minute, unless its entry says otherwise. */
  apiRequestsPerMinute: number;
}

/**
 * 5 s: a killed worker's job is back on another worker within lock + 2 × stall-check interval (the interval is a
 * fifth of the lock, see stalledIntervalOf), 7 s, under the 10 s recovery goal with room for the fetch and the
 * step resuming. BullMQ renews a lock every quarter to half of it, so a job is lost to a false stall only when its
 * worker's event loop (or its Redis) stalls for about 2.5 s; the event-loop delay measured under load is in the
 * tens to low hundreds of ms (BENCHMARKS.md), and `flightdeck_jobs_stalled_total` counts every stall that happens.
 */
export const DEFAULT_WORKER_LOCK_MS = 5_000;

const SLACK_APP_PAGE = "your Slack app's settings at https://api.slack.com/apps";

const envSchema = z.object({
  SLACK_BOT_TOKEN: secretField(
    `set it to the Bot User OAuth Token (xoxb-…) from OAuth & Permissions in ${SLACK_APP_PAGE}`,
  ),
  SLACK_SIGNING_SECRET: optionalSecretField(),
  SLACK_APP_TOKEN: optionalSecretField(),
  SLACK_API_URL: urlField('SLACK_API_URL', ['https:', 'http:'], 'https://slack.com/api/', 'https://slack.com/api/'),
  REDIS_URL: redisUrlField('redis://127.0.0.1:6379'),
  REDIS_PREFIX: patternField(
    'REDIS_PREFIX',
    /^[A-Za-z0-9_:-]{1,64}$/,
    'at most 64 letters, digits, dashes, underscores and colons (it becomes the {hash tag} of every key)',
    'flightdeck',
  ),
  FLIGHTDECK_CONFIG: textField('./flightdeck.yaml'),
  FLIGHTDECK_CHECKLISTS: textField(undefined),
  PORT: intField('PORT', 'a port number', 1, 65535, 3000),
  LOG_LEVEL: choiceField('LOG_LEVEL', 'a log level', LOG_LEVELS, 'info'),
  FLIGHTDECK_ROLE: choiceField('FLIGHTDECK_ROLE', 'a role', ROLES, 'all'),
  KUBECONFIG: textField(undefined),
  K8S_REQUEST_TIMEOUT_MS: intField('K8S_REQUEST_TIMEOUT_MS', 'a whole number of milliseconds', 100, 300_000, 15_000),
  WORKER_CONCURRENCY: intField('WORKER_CONCURRENCY', 'a whole number', 1, 256, 8),
  WORKER_LOCK_MS: intField('WORKER_LOCK_MS', 'a whole number of milliseconds', 1000, 600_000, DEFAULT_WORKER_LOCK_MS),
  MESSAGE_LAG_BOUND_MS: intField('MESSAGE_LAG_BOUND_MS', 'a whole number of milliseconds', 1000, 600_000, 15_000),
  RECONCILE_INTERVAL_MS: intField('RECONCILE_INTERVAL_MS', 'a whole number of milliseconds', 1000, 300_000, 10_000),
  FLIGHTDECK_INSTALLATION: patternField(
    'FLIGHTDECK_INSTALLATION',
    /^[A-Za-z0-9_.:/-]{1,128}$/,
    'at most 128 letters, digits and . _ : / - (the chart sets <namespace>/<release>)',
    'flightdeck',
  ),
  AUDIT_MAX_ENTRIES: intField('AUDIT_MAX_ENTRIES', 'a whole number', 1000, 100_000_000, 100_000),
  AUDIT_ARCHIVE_DAYS: intField('AUDIT_ARCHIVE_DAYS', 'a whole number of days', 0, 3650, 30),
  RUN_RETENTION_DAYS: intField('RUN_RETENTION_DAYS', 'a whole number of days', 1, 3650, 90),
  API_TOKENS: optionalSecretField(),
  API_REQUESTS_PER_MINUTE: intField('API_REQUESTS_PER_MINUTE', 'a whole number', 1, 10_000, 60),
  AUDIT_REFUSALS_PER_MINUTE: intField('AUDIT_REFUSALS_PER_MINUTE', 'a whole number', 1, 1000, 10),
  CHECKLIST_DURATION_CAP: durationField('CHECKLIST_DURATION_CAP'),
  PROBE_CONNECT_TO: connectToField('PROBE_CONNECT_TO'),
  PAGERDUTY_API_TOKEN: optionalSecretField(),
  PAGERDUTY_EVENTS_SERVER: patternField(
    'PAGERDUTY_EVENTS_SERVER',
    /^[A-Za-z0-9.-]+(:\d{1,5})?$/,
    'a host[:port] without scheme or path, e.g. events.pagerduty.com or events.eu.pagerduty.com',
    'events.pagerduty.com',
  ),
  PAGERDUTY_API_URL: urlField('PAGERDUTY_API_URL', ['https:', 'http:'], 'https://api.pagerduty.com', 'https://api.pagerduty.com'),
  PAGERDUTY_CA_FILE: textField(undefined),
  KUBERNETES_SERVICE_HOST: textField(undefined),
  HTTP_PROXY: proxyField('HTTP_PROXY'),
  http_proxy: proxyField('http_proxy'),
  HTTPS_PROXY: proxyField('HTTPS_PROXY'),
  https_proxy: proxyField('https_proxy'),
  NO_PROXY: noProxyField('NO_PROXY'),
  no_proxy: noProxyField('no_proxy'),
});

type EnvKey = keyof typeof envSchema.shape;

/** Every variable loadEnv reads by name (the catalog's routing-key variables besides); the Helm chart sets each. */
export const ENV_VARIABLES = Object.keys(envSchema.shape) as readonly EnvKey[];

/**
 * Parses flightdeck's environment. Unset and blank (after trimming) variables take their defaults.
 *
 * @throws FlightdeckError `config-invalid` whose message has one line per problem, every problem at once:
 *   `<KEY>: <problem> — <fix>`. Secret values are never part of the message.
 */
export function loadEnv(env: Record<string, string | undefined>): Env {
  const input: Partial<Record<EnvKey, string>> = {};
  for (const key of ENV_VARIABLES) {
    const value = env[key]?.trim();
    if (value) input[key] = value;
  }

  const problems: string[] = [];
  const result = envSchema.safeParse(input);
  if (!result.success) {
    for (const issue of result.error.issues) problems.push(`${String(issue.path[0])}: ${issue.message}`);
  }

  // The role is parsed on its own so this rule is checked even when other keys are broken.
  const role = envSchema.shape.FLIGHTDECK_ROLE.safeParse(input.FLIGHTDECK_ROLE);
  if (input.SLACK_APP_TOKEN !== undefined && !input.SLACK_APP_TOKEN.startsWith('xapp-')) {
    problems.push(
      `SLACK_APP_TOKEN: is not an app-level token (they start with xapp-) — create one with the connections:write scope under Basic Information in ${SLACK_APP_PAGE}, or unset it to use HTTP mode`,
    );
  }
  const socketMode = input.SLACK_APP_TOKEN !== undefined;
  if (role.success && role.data !== 'worker' && !socketMode && input.SLACK_SIGNING_SECRET === undefined) {
    problems.push(
      `SLACK_SIGNING_SECRET: is not set, and FLIGHTDECK_ROLE ${role.data} receives Slack requests — ` +
        `set it to the Signing Secret from Basic Information in ${SLACK_APP_PAGE}, set SLACK_APP_TOKEN for Socket Mode, or run this process with FLIGHTDECK_ROLE=worker`,
    );
  }

  const apiTokens = input.API_TOKENS === undefined ? { tokens: [] } : parseApiTokens(input.API_TOKENS);
  if ('problems' in apiTokens) {
    for (const problem of apiTokens.problems) problems.push(`API_TOKENS: ${problem} (see docs/api.md)`);
  }

  if (!result.success || problems.length > 0 || 'problems' in apiTokens) throw new FlightdeckError('config-invalid', problems.join('\n'));

  const parsed = result.data;
  const configPath = parsed.FLIGHTDECK_CONFIG;
  const apiUrl = parsed.SLACK_API_URL.href;
  const loaded = {
    // Bolt's WebClient joins method names onto this URL, so a missing trailing slash breaks every call.
    slackApiUrl: apiUrl.endsWith('/') ? apiUrl : `${apiUrl}/`,
    redisPrefix: parsed.REDIS_PREFIX,
    configPath,
    checklistDir: parsed.FLIGHTDECK_CHECKLISTS ?? path.join(path.dirname(configPath), 'checklists'),
    port: parsed.PORT,
    logLevel: parsed.LOG_LEVEL,
    role: parsed.FLIGHTDECK_ROLE,
    kubeconfig: parsed.KUBECONFIG,
    searchPath: env.PATH,
    k8sRequestTimeoutMs: parsed.K8S_REQUEST_TIMEOUT_MS,
    workerConcurrency: parsed.WORKER_CONCURRENCY,
    workerLockMs: parsed.WORKER_LOCK_MS,
    messageLagBoundMs: parsed.MESSAGE_LAG_BOUND_MS,
    reconcileIntervalMs: parsed.RECONCILE_INTERVAL_MS,
    installation: parsed.FLIGHTDECK_INSTALLATION,
    auditMaxEntries: parsed.AUDIT_MAX_ENTRIES,
    auditArchiveDays: parsed.AUDIT_ARCHIVE_DAYS,
    runRetentionDays: parsed.RUN_RETENTION_DAYS,
    auditRefusalsPerMinute: parsed.AUDIT_REFUSALS_PER_MINUTE,
    apiRequestsPerMinute: parsed.API_REQUESTS_PER_MINUTE,
    checklistDurationCap: parsed.CHECKLIST_DURATION_CAP,
    probeConnectTo: parsed.PROBE_CONNECT_TO,
    pagerdutyEventsServer: parsed.PAGERDUTY_EVENTS_SERVER,
    pagerdutyApiUrl: parsed.PAGERDUTY_API_URL.href.replace(/\/+$/, ''),
    pagerdutyCaFile: parsed.PAGERDUTY_CA_FILE,
    inCluster: parsed.KUBERNETES_SERVICE_HOST !== undefined,
  } as Env; // the secrets are added just below, non-enumerable
  defineSecret(loaded, 'slackBotToken', parsed.SLACK_BOT_TOKEN);
  defineSecret(loaded, 'slackSigningSecret', parsed.SLACK_SIGNING_SECRET);
  defineSecret(loaded, 'slackAppToken', parsed.SLACK_APP_TOKEN);
  defineSecret(loaded, 'pagerdutyApiToken', parsed.PAGERDUTY_API_TOKEN);
  // The text as written, not URL.href: re-serialising could re-encode characters in a password.
  const proxy: ProxySettings = {
    http: parsed.http_proxy ?? parsed.HTTP_PROXY,
    https: parsed.https_proxy ?? parsed.HTTPS_PROXY,
    noProxy: input.no_proxy === undefined ? parsed.NO_PROXY : parsed.no_proxy,
  };
  Object.defineProperty(loaded, 'proxy', { value: proxy, enumerable: false, writable: false, configurable: false });
  defineSecret(loaded, 'redisUrl', parsed.REDIS_URL);
  Object.defineProperty(loaded, 'apiTokens', { value: apiTokens.tokens, enumerable: false, writable: false, configurable: false });
  // A copy: what the catalog's variables say is fixed at start-up, like everything else here.
  const variables = { ...env };
  const readVariable = (name: string): string | undefined => (Object.hasOwn(variables, name) ? variables[name]?.trim() || undefined : undefined);
  Object.defineProperty(loaded, 'readVariable', { value: readVariable, enumerable: false, writable: false, configurable: false });
  return loaded;
}
