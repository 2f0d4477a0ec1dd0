import { httpProbe } from './http-probe.js';
import { k8sPodsProbe } from './k8s-pods-probe.js';
import { postgresProbe } from './postgres-probe.js';
import type { ProbeProviders } from './probe-provider.js';
import { prometheusProbe } from './prometheus-probe.js';
import { redisProbe } from './redis-probe.js';
import { rolloutReadyProbe } from './rollout-ready-probe.js';
import { tcpProbe } from './tcp-probe.js';

/** The built-in provider for every probe type; pass it (or a copy with some replaced) to `runProbe`. */
export const probeProviders: ProbeProviders = {
  http: httpProbe,
  tcp: tcpProbe,
  redis: redisProbe,
  postgres: postgresProbe,
  prometheus: prometheusProbe,
  'k8s-pods': k8sPodsProbe,
  'rollout-ready': rolloutReadyProbe,
};
