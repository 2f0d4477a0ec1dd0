import { inlineCode } from '../../src/format/escape-mrkdwn.js';
import type { CommandServices } from '../command-definition.js';
import { FlightdeckError } from '../../src/errors/flightdeck-error.js';
import type { LockInfo } from '../../src/run/store/manual-lock.js';
import type { Run } from '../../src/run/core/run-schema.js';
import { activeRunLine, historyLine, lockLine } from './describe-run.js';

/** What one environment of a service is doing, for `/deploy status <service>`. */
export interface EnvironmentStatus {
  environment: string;
  active?: Run | undefined;
  lock?: LockInfo | undefined;
  last?: Run | undefined;
}

/** Every active run and every lock a person took; a fixed sentence when there are none. Pure. */
export function formatOverallStatus(runs: readonly Run[], locks: readonly LockInfo[], now: number): string {
  const runLines = runs.map((run) => `• ${activeRunLine(run, now)}`);
  const lockLines = locks.flatMap((lock) => lockLine(lock) ?? []).map((line) => `• ${line}`);
  if (runLines.length === 0 && lockLines.length === 0) return 'Nothing is being deployed and nothing is locked.';
  const parts: string[] = [];
  parts.push(runLines.length > 0 ? `*Active runs*\n${runLines.join('\n')}` : '*Active runs*: none');
  if (lockLines.length > 0) parts.push(`*Locks*\n${lockLines.join('\n')}`);
  return parts.join('\n');
}

/** Each environment of one service: its active run, else its lock, else its last run. Pure. */
export function formatServiceStatus(service: string, environments: readonly EnvironmentStatus[], now: number): string {
  const lines = environments.map(({ environment, active, lock, last }) => {
    if (active) return `• *${environment}*: ${activeRunLine(active, now)}`;
    const locked = lock ? lockLine(lock) : undefined;
    if (locked) return `• *${environment}*: ${locked}`;
    return `• *${environment}*: idle${last ? `; last run ${historyLine(last, now)}` : ', never deployed by flightdeck'}`;
  });
  return `*${service}*\n${lines.join('\n')}`;
}

/**
 * `/deploy status [service]`: reads active runs, locks and (for one service) each environment's last run.
 *
 * @throws FlightdeckError `unknown-service` listing the known services.
 */
export async function showStatus(service: string | undefined, services: CommandServices): Promise<string> {
  const { store, config, now } = services;
  const locks = await store.locks();
  if (service === undefined) return formatOverallStatus(await store.activeRuns(), locks, now());
  const entry = Object.hasOwn(config.catalog.services, service) ? config.catalog.services[service] : undefined;
  if (!entry) throw unknownService(service, Object.keys(config.catalog.services));
  const environments = await Promise.all(
    entry.environments.map(async (environment): Promise<EnvironmentStatus> => ({
      environment,
      active: (await store.activeRunFor(service, environment)) ?? undefined,
      lock: locks.find((lock) => lock.service === service && lock.environment === environment),
      last: (await store.history(service, environment, 1))[0],
    })),
  );
  return formatServiceStatus(service, environments, now());
}

/** The same refusal resolveTarget gives, for subcommands that name a service alone. */
export function unknownService(service: string, known: readonly string[]): FlightdeckError {
  return new FlightdeckError('unknown-service', `There is no service called ${inlineCode(service)}.`, {
    remedy: `Known services: ${known.map((name) => `\`${name}\``).join(', ')}.`,
  });
}
