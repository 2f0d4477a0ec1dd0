import { inlineCode } from '../format/escape-mrkdwn.js';
import { FlightdeckError } from '../errors/flightdeck-error.js';
import type { BlueGreenSettings, Catalog, TrafficSettings } from './catalog-schema.js';

/** Where one service lives in one environment, overrides applied: everything a step needs to find it. */
export interface Target {
  /** kubeconfig context of the environment's cluster. */
  cluster: string;
  namespace: string;
  deployment: string;
  container: string;
  /** Image repository without a tag; the run appends `:<version>`. */
  repository: string;
  /** The service's traffic settings, for canary, traffic and promote steps. */
  traffic?: TrafficSettings;
  /** The service's blue-green Services, for preview, switch and scale-down steps. */
  blueGreen?: BlueGreenSettings;
  /** The environment's Prometheus. */
  prometheusUrl?: string;
}

/**
 * Resolves `service` in `environment`, applying `services.<service>.overrides.<environment>`.
 *
 * @throws FlightdeckError `unknown-service` when the catalog has no such service, `unknown-environment`
 *   when it has no such environment, `environment-not-allowed` when the service does not deploy there.
 */
export function resolveTarget(catalog: Catalog, service: string, environment: string): Target {
  // The names may be what a person typed: shown as typed, never as a mention or link.
  const code = inlineCode;
  const list = (names: readonly string[]) => names.map(code).join(', ');
  const entry = Object.hasOwn(catalog.services, service) ? catalog.services[service] : undefined;
  if (!entry) {
    throw new FlightdeckError('unknown-service', `There is no service called ${code(service)}.`, {
      remedy: `Known services: ${list(Object.keys(catalog.services))}.`,
    });
  }
  const env = Object.hasOwn(catalog.environments, environment) ? catalog.environments[environment] : undefined;
  if (!env) {
    throw new FlightdeckError('unknown-environment', `There is no environment called ${code(environment)}.`, {
      remedy: `Environments: ${list(Object.keys(catalog.environments))}.`,
    });
  }
  if (!entry.environments.includes(environment)) {
    throw new FlightdeckError('environment-not-allowed', `${code(service)} is not deployed to ${code(environment)}.`, {
      remedy: `${code(service)} can be deployed to ${list(entry.environments)}.`,
    });
  }
  const override = entry.overrides?.[environment] ?? {};
  return {
    cluster: env.cluster,
    namespace: override.namespace ?? entry.namespace,
    deployment: override.deployment ?? entry.deployment,
    container: override.container ?? entry.container,
    repository: override.image ?? entry.image,
    ...(entry.traffic ? { traffic: { ...entry.traffic } } : {}),
    ...(entry.blueGreen ? { blueGreen: { ...entry.blueGreen } } : {}),
    ...(env.prometheusUrl ? { prometheusUrl: env.prometheusUrl } : {}),
  };
}

/**
 * Where a run of `environment` posts: the environment's `channel`, else the channel the command came
 * from, else `slack.defaultChannel`. An unknown environment falls through to the other two.
 */
export function resolveChannel(catalog: Catalog, environment: string, invokingChannel: string | undefined): string {
  const env = Object.hasOwn(catalog.environments, environment) ? catalog.environments[environment] : undefined;
  return env?.channel ?? (invokingChannel || catalog.slack.defaultChannel);
}
