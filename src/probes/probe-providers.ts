import type { ConnectToRule } from '../config/connect-to-rules.js';
import { createHttpProbe } from './http-probe.js';
import { k8sPodsProbe } from './k8s-pods-probe.js';
import { postgresProbe } from './postgres-probe.js';
import type { ProbeProviders } from './probe-provider.js';
import { createPrometheusProbe, prometheusProbe } from './prometheus-probe.js';
import { redisProbe } from './redis-probe.js';
import { rolloutReadyProbe } from './rollout-ready-probe.js';
import { tcpProbe } from './tcp-probe.js';

/** The built-in provider for every probe type; pass it (or a copy with some replaced) to `runProbe`. */
export const probeProviders: ProbeProviders = {
  http: createHttpProbe([]),
  tcp: tcpProbe,
  redis: redisProbe,
  postgres: postgresProbe,
  prometheus: prometheusProbe,
  'k8s-pods': k8sPodsProbe,
  'rollout-ready': rolloutReadyProbe,
};

/**
 * The built-in providers, with http probes connecting as `connectTo` (PROBE_CONNECT_TO) says and Prometheus
 * queried with `prometheusFetch` (createProxyFetch: through HTTPS_PROXY unless NO_PROXY names the server).
 * http probes stay direct: they aim at a service's own endpoints, which PROBE_CONNECT_TO is for.
 */
export function createProbeProviders(connectTo: readonly ConnectToRule[], prometheusFetch: typeof fetch = fetch): ProbeProviders {
  return { ...probeProviders, http: createHttpProbe(connectTo), prometheus: createPrometheusProbe(prometheusFetch) };
}
