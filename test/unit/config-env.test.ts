import { inspect } from 'node:util';
import { describe, expect, it } from 'vitest';
import { loadEnv } from '../../src/config/load-env.js';
import { FlightdeckError } from '../../src/errors/flightdeck-error.js';

const TOKEN = 'xoxb-111-222-secrettoken';
const SIGNING = 'signing-secret-value';
const BASE = { SLACK_BOT_TOKEN: TOKEN, SLACK_SIGNING_SECRET: SIGNING };

function problemsOf(env: Record<string, string | undefined>): string[] {
  try {
    loadEnv(env);
  } catch (err) {
    expect(err).toBeInstanceOf(FlightdeckError);
    expect((err as FlightdeckError).code).toBe('config-invalid');
    return (err as FlightdeckError).message.split('\n');
  }
  throw new Error('loadEnv accepted the env');
}

describe('loadEnv', () => {
  it('applies every default', () => {
    const env = loadEnv(BASE);
    expect({ ...env }).toEqual({
      slackApiUrl: 'https://slack.com/api/',
      redisPrefix: 'flightdeck',
      configPath: './flightdeck.yaml',
      checklistDir: 'checklists',
      port: 3000,
      logLevel: 'info',
      role: 'all',
      kubeconfig: undefined,
      k8sRequestTimeoutMs: 15_000,
      workerConcurrency: 8,
      workerLockMs: 5_000,
      messageLagBoundMs: 15_000,
      reconcileIntervalMs: 10_000,
      installation: 'flightdeck',
      auditMaxEntries: 100_000,
      auditArchiveDays: 30,
      runRetentionDays: 90,
      auditRefusalsPerMinute: 10,
      apiRequestsPerMinute: 60,
      checklistDurationCap: undefined,
      probeConnectTo: [],
      pagerdutyEventsServer: 'events.pagerduty.com',
      pagerdutyApiUrl: 'https://api.pagerduty.com',
      pagerdutyCaFile: undefined,
      inCluster: false,
    });
    expect(env.slackBotToken).toBe(TOKEN);
    expect(env.slackSigningSecret).toBe(SIGNING);
    expect(env.redisUrl).toBe('redis://127.0.0.1:6379');
    expect(env.apiTokens).toEqual([]);
  });

  it.each([
    ['SLACK_API_URL', 'http://127.0.0.1:4010/api', 'slackApiUrl', 'http://127.0.0.1:4010/api/'],
    ['SLACK_API_URL', 'https://slack.example/api/', 'slackApiUrl', 'https://slack.example/api/'],
    ['REDIS_URL', 'rediss://cache.internal:6380/2', 'redisUrl', 'rediss://cache.internal:6380/2'],
    ['REDIS_PREFIX', 'fd:test_1-a', 'redisPrefix', 'fd:test_1-a'],
    ['FLIGHTDECK_CONFIG', '/etc/flightdeck/flightdeck.yaml', 'checklistDir', '/etc/flightdeck/checklists'],
    ['FLIGHTDECK_CHECKLISTS', '/srv/checklists', 'checklistDir', '/srv/checklists'],
    ['PORT', '8080', 'port', 8080],
    ['PORT', ' 65535 ', 'port', 65535],
    ['PORT', '', 'port', 3000],
    ['LOG_LEVEL', 'DEBUG', 'logLevel', 'debug'],
    ['FLIGHTDECK_ROLE', 'web', 'role', 'web'],
    ['KUBECONFIG', '/home/me/.kube/a:/home/me/.kube/b', 'kubeconfig', '/home/me/.kube/a:/home/me/.kube/b'],
    ['WORKER_CONCURRENCY', '256', 'workerConcurrency', 256],
    ['WORKER_LOCK_MS', '2000', 'workerLockMs', 2000],
    ['MESSAGE_LAG_BOUND_MS', '5000', 'messageLagBoundMs', 5000],
    ['RECONCILE_INTERVAL_MS', '2000', 'reconcileIntervalMs', 2000],
    ['K8S_REQUEST_TIMEOUT_MS', '5000', 'k8sRequestTimeoutMs', 5000],
    ['AUDIT_MAX_ENTRIES', '5000', 'auditMaxEntries', 5000],
    ['AUDIT_ARCHIVE_DAYS', '0', 'auditArchiveDays', 0],
    ['AUDIT_ARCHIVE_DAYS', '365', 'auditArchiveDays', 365],
    ['RUN_RETENTION_DAYS', '30', 'runRetentionDays', 30],
    ['AUDIT_REFUSALS_PER_MINUTE', '3', 'auditRefusalsPerMinute', 3],
    ['CHECKLIST_DURATION_CAP', '2s', 'checklistDurationCap', 2000],
    ['CHECKLIST_DURATION_CAP', '500ms', 'checklistDurationCap', 500],
    ['KUBERNETES_SERVICE_HOST', '10.96.0.1', 'inCluster', true],
    ['KUBERNETES_SERVICE_HOST', '  ', 'inCluster', false],
  ] as const)('%s=%j gives %s %j', (key, value, field, expected) => {
    expect(loadEnv({ ...BASE, [key]: value })[field]).toBe(expected);
  });

  it('reads a variable the catalog names through the parsed environment, trimmed, and never shows it', () => {
    const env = loadEnv({ ...BASE, API_PD_KEY: ' routing-key-value ', BLANK_KEY: ' ' });
    expect(env.readVariable('API_PD_KEY')).toBe('routing-key-value');
    expect(env.readVariable('BLANK_KEY')).toBeUndefined();
    expect(env.readVariable('NOT_SET')).toBeUndefined();
    expect(env.readVariable('hasOwnProperty')).toBeUndefined();
    expect(JSON.stringify(env)).not.toContain('routing-key-value');
    expect(inspect(env)).not.toContain('routing-key-value');
  });

  it('reads PROBE_CONNECT_TO rules, wildcard and exact', () => {
    expect(loadEnv({ ...BASE, PROBE_CONNECT_TO: '*.svc.cluster.local:80=127.0.0.1:8080, Prometheus.monitoring:9090=localhost:19090' }).probeConnectTo).toEqual([
      { host: '*.svc.cluster.local', port: 80, to: { host: '127.0.0.1', port: 8080 } },
      { host: 'prometheus.monitoring', port: 9090, to: { host: 'localhost', port: 19090 } },
    ]);
  });

  it('lets a worker-only process run without the signing secret', () => {
    const env = loadEnv({ SLACK_BOT_TOKEN: TOKEN, FLIGHTDECK_ROLE: 'worker' });
    expect(env.role).toBe('worker');
    expect(env.slackSigningSecret).toBeUndefined();
  });

  it.each([
    [{ PORT: 'abc' }, 'PORT: "abc" is not a port number — set PORT to a whole number from 1 to 65535'],
    [{ PORT: '0' }, 'PORT: 0 is out of range — set PORT to a whole number from 1 to 65535'],
    [{ PORT: '3000.5' }, 'PORT: "3000.5" is not a port number — set PORT to a whole number from 1 to 65535'],
    [{ WORKER_CONCURRENCY: '257' }, 'WORKER_CONCURRENCY: 257 is out of range — set WORKER_CONCURRENCY to a whole number from 1 to 256'],
    [{ K8S_REQUEST_TIMEOUT_MS: '50' }, 'K8S_REQUEST_TIMEOUT_MS: 50 is out of range — set K8S_REQUEST_TIMEOUT_MS to a whole number from 100 to 300000'],
    [{ K8S_REQUEST_TIMEOUT_MS: '15s' }, 'K8S_REQUEST_TIMEOUT_MS: "15s" is not a whole number of milliseconds — set K8S_REQUEST_TIMEOUT_MS to a whole number from 100 to 300000'],
    [{ CHECKLIST_DURATION_CAP: '2 seconds' }, 'CHECKLIST_DURATION_CAP: "2 seconds" is not a duration — set CHECKLIST_DURATION_CAP to a whole number above 0 and a unit: ms, s, m, h or d (e.g. 2s)'],
    [{ CHECKLIST_DURATION_CAP: '0s' }, 'CHECKLIST_DURATION_CAP: "0s" is not a duration — set CHECKLIST_DURATION_CAP to a whole number above 0 and a unit: ms, s, m, h or d (e.g. 2s)'],
    [
      { PROBE_CONNECT_TO: 'api:80=127.0.0.1:8080,api:99999=x:1' },
      'PROBE_CONNECT_TO: "api:99999=x:1" is not HOST:PORT=ADDR:PORT — set PROBE_CONNECT_TO to comma-separated rules, e.g. *.svc.cluster.local:80=127.0.0.1:8080',
    ],
    [{ LOG_LEVEL: 'verbose' }, 'LOG_LEVEL: "verbose" is not a log level — set LOG_LEVEL to one of fatal, error, warn, info, debug, trace, silent'],
    [{ FLIGHTDECK_ROLE: 'api' }, 'FLIGHTDECK_ROLE: "api" is not a role — set FLIGHTDECK_ROLE to one of web, worker, all'],
    [
      { SLACK_API_URL: 'slack.com/api' },
      'SLACK_API_URL: is not a URL — set SLACK_API_URL to a URL starting with https:// or http://, e.g. https://slack.com/api/',
    ],
    [
      { SLACK_API_URL: 'ftp://slack.com/api' },
      'SLACK_API_URL: "ftp://slack.com/api" has the wrong scheme — set SLACK_API_URL to a URL starting with https:// or http://, e.g. https://slack.com/api/',
    ],
    [
      { REDIS_URL: 'http://:hunter2@cache:6379' },
      'REDIS_URL: "http://:***@cache:6379" has the wrong scheme — set REDIS_URL to redis://[:password@]host:port[/db], rediss:// for TLS, redis+sentinel://[:password@]host:26379[,host:26379…]/<primary name>[/db], or redis+cluster://[:password@]host:6379[,host:6379…]',
    ],
    [
      { REDIS_URL: 'redis+sentinel://:hunter2@s1:26379,s2' },
      'REDIS_URL: "redis+sentinel://:***@s1:26379,s2" is not a Sentinel URL: it needs the sentinels and the primary\'s name after them — set REDIS_URL to redis://[:password@]host:port[/db], rediss:// for TLS, redis+sentinel://[:password@]host:26379[,host:26379…]/<primary name>[/db], or redis+cluster://[:password@]host:6379[,host:6379…]',
    ],
    [
      { REDIS_URL: 'redis+sentinel://s1:26379,s2:99999/primary' },
      'REDIS_URL: "redis+sentinel://s1:26379,s2:99999/primary" names a sentinel "s2:99999" that is not host[:port] — set REDIS_URL to redis://[:password@]host:port[/db], rediss:// for TLS, redis+sentinel://[:password@]host:26379[,host:26379…]/<primary name>[/db], or redis+cluster://[:password@]host:6379[,host:6379…]',
    ],
    [
      { REDIS_URL: 'redis+cluster://:hunter2@n1:7000,n2:7000/1' },
      `REDIS_URL: "redis+cluster://:***@n1:7000,n2:7000/1" has a path "/1", but Redis Cluster has no databases to choose (only db 0) — set REDIS_URL to redis://[:password@]host:port[/db], rediss:// for TLS, redis+sentinel://[:password@]host:26379[,host:26379…]/<primary name>[/db], or redis+cluster://[:password@]host:6379[,host:6379…]`,
    ],
    [
      { REDIS_PREFIX: '{flightdeck}' },
      'REDIS_PREFIX: "{flightdeck}" is not allowed — set REDIS_PREFIX to at most 64 letters, digits, dashes, underscores and colons (it becomes the {hash tag} of every key)',
    ],
    [
      { SLACK_BOT_TOKEN: undefined },
      "SLACK_BOT_TOKEN: is not set — set it to the Bot User OAuth Token (xoxb-…) from OAuth & Permissions in your Slack app's settings at https://api.slack.com/apps",
    ],
    [
      { SLACK_SIGNING_SECRET: '  ' },
      "SLACK_SIGNING_SECRET: is not set, and FLIGHTDECK_ROLE all receives Slack requests — set it to the Signing Secret from Basic Information in your Slack app's settings at https://api.slack.com/apps, set SLACK_APP_TOKEN for Socket Mode, or run this process with FLIGHTDECK_ROLE=worker",
    ],
  ])('rejects %j', (overrides, expected) => {
    expect(problemsOf({ ...BASE, ...overrides })).toEqual([expected]);
  });

  it('lists every problem at once, one line each', () => {
    const problems = problemsOf({ PORT: 'abc', LOG_LEVEL: 'loud', FLIGHTDECK_ROLE: 'web', REDIS_URL: 'redis//nope' });
    expect(problems.map((line) => line.slice(0, line.indexOf(':')))).toEqual([
      'SLACK_BOT_TOKEN',
      'REDIS_URL',
      'PORT',
      'LOG_LEVEL',
      'SLACK_SIGNING_SECRET',
    ]);
  });

  it('never echoes a secret, in errors or when the env is logged', () => {
    let message = '';
    try {
      loadEnv({ SLACK_BOT_TOKEN: TOKEN, SLACK_SIGNING_SECRET: SIGNING, REDIS_URL: 'redis//:hunter2@cache', PORT: 'x' });
    } catch (err) {
      message = (err as Error).message;
    }
    expect(message).toContain('REDIS_URL: is not a URL');
    const env = loadEnv({ ...BASE, REDIS_URL: 'redis://:hunter2@cache:6379' });
    for (const text of [message, JSON.stringify(env), inspect(env), `${JSON.stringify({ env })}`]) {
      expect(text).not.toContain(TOKEN);
      expect(text).not.toContain(SIGNING);
      expect(text).not.toContain('hunter2');
    }
    expect(env.redisUrl).toBe('redis://:hunter2@cache:6379');
  });

  it('runs Socket Mode from an app-level token, without a signing secret', () => {
    const env = loadEnv({ SLACK_BOT_TOKEN: TOKEN, SLACK_APP_TOKEN: 'xapp-1-A0BOT-123-abc' });
    expect(env.slackAppToken).toBe('xapp-1-A0BOT-123-abc');
    expect(env.slackSigningSecret).toBeUndefined();
    expect(JSON.stringify(env)).not.toContain('xapp-');
  });

  it('refuses an app token that is not an xapp- token', () => {
    expect(problemsOf({ ...BASE, SLACK_APP_TOKEN: 'xoxb-wrong-kind' })).toEqual([
      expect.stringMatching(/^SLACK_APP_TOKEN: is not an app-level token \(they start with xapp-\) — /),
    ]);
  });
});
