import { z } from 'zod';

/*
 * The custom resources the chart may render, as the fields of their CRDs' OpenAPI schemas that the chart uses
 * (prometheus-operator's monitoring.coreos.com/v1 ServiceMonitor and PrometheusRule, KEDA's keda.sh/v1alpha1
 * ScaledObject): kubernetes-models knows no CRDs. Strict objects, because `kubectl apply` refuses fields a
 * structural schema does not declare (server-side field validation is strict by default since 1.27).
 */

/** The duration pattern prometheus-operator's CRDs give `interval` and `for`. */
const duration = z.string().regex(/^(0|(([0-9]+)y)?(([0-9]+)w)?(([0-9]+)d)?(([0-9]+)h)?(([0-9]+)m)?(([0-9]+)s)?(([0-9]+)ms)?)$/);
const stringMap = z.record(z.string(), z.string());
const metadata = z.looseObject({ name: z.string().min(1), namespace: z.string().min(1), labels: stringMap.optional() });

const serviceMonitor = z.strictObject({
  apiVersion: z.literal('monitoring.coreos.com/v1'),
  kind: z.literal('ServiceMonitor'),
  metadata,
  spec: z.strictObject({
    selector: z.strictObject({ matchLabels: stringMap }),
    endpoints: z.array(z.strictObject({ port: z.string().min(1), path: z.string().startsWith('/'), interval: duration })).min(1),
  }),
});

const rule = z.strictObject({
  alert: z.string().min(1),
  expr: z.union([z.string().min(1), z.number().int()]),
  for: duration.optional(),
  labels: stringMap.optional(),
  annotations: stringMap.optional(),
});

const prometheusRule = z.strictObject({
  apiVersion: z.literal('monitoring.coreos.com/v1'),
  kind: z.literal('PrometheusRule'),
  metadata,
  spec: z.strictObject({
    groups: z
      .array(z.strictObject({ name: z.string().min(1), interval: duration.optional(), rules: z.array(rule) }))
      // x-kubernetes-list-type: map keyed by name.
      .refine((groups) => new Set(groups.map((g) => g.name)).size === groups.length, 'group names must be unique'),
  }),
});

const int32 = z.number().int().min(0).max(2 ** 31 - 1);

const scaledObject = z.strictObject({
  apiVersion: z.literal('keda.sh/v1alpha1'),
  kind: z.literal('ScaledObject'),
  metadata,
  spec: z.strictObject({
    scaleTargetRef: z.strictObject({ name: z.string().min(1), apiVersion: z.string().optional(), kind: z.string().optional() }),
    minReplicaCount: int32,
    maxReplicaCount: int32,
    pollingInterval: int32,
    cooldownPeriod: int32,
    advanced: z.strictObject({
      horizontalPodAutoscalerConfig: z.strictObject({
        behavior: z.strictObject({ scaleDown: z.strictObject({ stabilizationWindowSeconds: int32 }) }),
      }),
    }),
    triggers: z
      .array(z.strictObject({ type: z.string().min(1), metricType: z.enum(['AverageValue', 'Value', 'Utilization']), metadata: stringMap }))
      .min(1),
  }).refine((spec) => spec.minReplicaCount <= spec.maxReplicaCount, 'minReplicaCount must not exceed maxReplicaCount'),
});

/** By `apiVersion/kind`: each parses a whole rendered object. */
export const CRD_SHAPES: Record<string, z.ZodType> = {
  'monitoring.coreos.com/v1/ServiceMonitor': serviceMonitor,
  'monitoring.coreos.com/v1/PrometheusRule': prometheusRule,
  'keda.sh/v1alpha1/ScaledObject': scaledObject,
};
