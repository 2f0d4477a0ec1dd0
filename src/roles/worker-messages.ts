import { z } from 'zod';

/**
 * The IPC between a role `all` process and the worker process it supervises. Each side parses what it
 * receives: a message that does not parse is ignored, as from a different version mid-upgrade.
 */
export const toWorkerSchema = z.discriminatedUnion('type', [
  z.object({ type: z.literal('readiness'), id: z.number().int() }),
  z.object({ type: z.literal('metrics'), id: z.number().int() }),
]);
export type ToWorker = z.infer<typeof toWorkerSchema>;

const metricValueSchema = z.object({
  value: z.number(),
  labels: z.record(z.string(), z.union([z.string(), z.number()])),
  metricName: z.string().optional(),
});

/** One metric family as prom-client's `getMetricsAsJSON()` gives it. */
export const metricFamilySchema = z.object({
  name: z.string(),
  help: z.string(),
  type: z.enum(['counter', 'gauge', 'histogram', 'summary']),
  aggregator: z.enum(['omit', 'sum', 'first', 'min', 'max', 'average']),
  values: z.array(metricValueSchema),
});
export type MetricFamily = z.infer<typeof metricFamilySchema>;

export const fromWorkerSchema = z.discriminatedUnion('type', [
  /** The worker role is up: its workers take jobs. */
  z.object({ type: z.literal('started') }),
  z.object({ type: z.literal('readiness'), id: z.number().int(), ready: z.boolean(), checks: z.record(z.string(), z.string()) }),
  z.object({ type: z.literal('metrics'), id: z.number().int(), families: z.array(metricFamilySchema) }),
]);
export type FromWorker = z.infer<typeof fromWorkerSchema>;
