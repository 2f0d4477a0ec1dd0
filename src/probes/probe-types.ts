import { z } from 'zod';
import { JSON_PATH_PATTERN } from './read-json-path.js';

const httpUrl = z.url({ protocol: /^https?$/, error: 'must be an http:// or https:// URL' });

const statusCode = z
  .int('must be a whole number')
  .min(100, 'must be an HTTP status code (100-599)')
  .max(599, 'must be an HTTP status code (100-599)');

/**
 * GET (by default) a URL and judge the answer. The measurement fails when the status is not expected, the
 * answer took longer than `maxLatencyMs`, the body lacks `bodyContains`, or the value at `jsonPath` is
 * missing or differs from `equals`.
 */
export const httpProbeSchema = z
  .strictObject({
    type: z.literal('http'),
    url: httpUrl,
    method: z.enum(['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS'], 'must be one of GET, HEAD, POST, PUT, PATCH, DELETE, OPTIONS').default('GET'),
    /** Accepted status codes; default 200. */
    expectStatus: z.union([statusCode, z.array(statusCode).min(1, 'must list at least one status code')]).default(200),
    bodyContains: z.string().min(1, 'must not be empty').optional(),
    /** `$.a.b[0]` or `a.b[0]`; without `equals` the value only has to exist. */
    jsonPath: z.string().regex(JSON_PATH_PATTERN, 'must be a JSON path like $.status or $.checks[0].ok').optional(),
    equals: z.union([z.string(), z.number(), z.boolean(), z.null()], 'must be a string, number, boolean or null').optional(),
    maxLatencyMs: z.int('must be a whole number of milliseconds').positive('must be more than 0').optional(),
    headers: z.record(z.string(), z.string('header values must be strings')).optional(),
  })
  .refine((spec) => spec.equals === undefined || spec.jsonPath !== undefined, {
    path: ['equals'],
    message: '`equals` needs a `jsonPath` to compare against',
  });

/** Open a TCP connection; it fails when the connection cannot be made. */
export const tcpProbeSchema = z.strictObject({
  type: z.literal('tcp'),
  host: z.string().min(1, 'must not be empty'),
  port: z.int('must be a whole number').min(1, 'must be a port (1-65535)').max(65535, 'must be a port (1-65535)'),
});

/** Connect to Redis and PING it. */
export const redisProbeSchema = z.strictObject({
  type: z.literal('redis'),
  url: z.url({ protocol: /^rediss?$/, error: 'must be a redis:// or rediss:// URL' }),
});

/** Connect to PostgreSQL and run `SELECT 1`. */
export const postgresProbeSchema = z.strictObject({
  type: z.literal('postgres'),
  url: z.url({ protocol: /^postgres(ql)?$/, error: 'must be a postgres:// or postgresql:// URL' }),
});

/**
 * Run a PromQL instant query. Like an alerting rule, the threshold names the bad side: `above: 0.05`
 * fails when the value is greater than 0.05, `below: 1` fails when it is less than 1.
 */
export const prometheusProbeSchema = z
  .strictObject({
    type: z.literal('prometheus'),
    /** Prometheus base URL; default: the environment's Prometheus, given at run time. */
    url: httpUrl.optional(),
    query: z.string().trim().min(1, 'must be a PromQL expression'),
    above: z.number('must be a number').optional(),
    below: z.number('must be a number').optional(),
  })
  .refine((spec) => (spec.above === undefined) !== (spec.below === undefined), {
    message: 'set exactly one of `above` (fails when the value is greater) or `below` (fails when the value is less)',
  });

/** Judge the pods of the run's target Deployment. */
export const k8sPodsProbeSchema = z.strictObject({
  type: z.literal('k8s-pods'),
  /** Fewest ready pods that pass; default 1. */
  minReady: z.int('must be a whole number').min(0, 'must be 0 or more').default(1),
  /** Most container restarts any one pod may have; default: not checked. */
  maxRestarts: z.int('must be a whole number').min(0, 'must be 0 or more').optional(),
});

/** Pass when `kubectl rollout status` would call the run's target Deployment rolled out. */
export const rolloutReadyProbeSchema = z.strictObject({
  type: z.literal('rollout-ready'),
});

/** Any probe, as written in checklist YAML (unknown keys are rejected). */
export const probeSpecSchema = z.discriminatedUnion(
  'type',
  [httpProbeSchema, tcpProbeSchema, redisProbeSchema, postgresProbeSchema, prometheusProbeSchema, k8sPodsProbeSchema, rolloutReadyProbeSchema],
  { error: 'must be one of: http, tcp, redis, postgres, prometheus, k8s-pods, rollout-ready' },
);

export type HttpProbeSpec = z.infer<typeof httpProbeSchema>;
export type TcpProbeSpec = z.infer<typeof tcpProbeSchema>;
export type RedisProbeSpec = z.infer<typeof redisProbeSchema>;
export type PostgresProbeSpec = z.infer<typeof postgresProbeSchema>;
export type PrometheusProbeSpec = z.infer<typeof prometheusProbeSchema>;
export type K8sPodsProbeSpec = z.infer<typeof k8sPodsProbeSchema>;
export type RolloutReadyProbeSpec = z.infer<typeof rolloutReadyProbeSchema>;
export type ProbeSpec = z.infer<typeof probeSpecSchema>;
export type ProbeType = ProbeSpec['type'];
