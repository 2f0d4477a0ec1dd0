import { z } from 'zod';
import { catalogued } from '../../errors/error-catalogue.js';
import type { FlightdeckError } from '../../errors/flightdeck-error.js';
import { MANUAL_LOCK_PREFIX } from './lock-scripts.js';
import type { Run } from '../core/run-schema.js';

/** A person's lock on a service+environment: blocks new deploys (not rollbacks) until unlocked. */
export const manualLockSchema = z.object({ by: z.string(), reason: z.string(), at: z.number() });
export type ManualLock = z.infer<typeof manualLockSchema>;

/** Who holds a lock: a run, a person, or a value flightdeck does not recognise (left alone). */
export type LockHolder = { kind: 'run'; run: Run } | ({ kind: 'manual' } & ManualLock) | { kind: 'unknown'; value: string };

export interface LockInfo {
  service: string;
  environment: string;
  holder: LockHolder;
}

export function manualLockValue(lock: ManualLock): string {
  return MANUAL_LOCK_PREFIX + JSON.stringify(lock);
}

/** The manual lock stored in `value`, or undefined when it is not one (a run id, something foreign). */
export function parseManualLock(value: string): ManualLock | undefined {
  if (!value.startsWith(MANUAL_LOCK_PREFIX)) return undefined;
  try {
    const parsed = manualLockSchema.safeParse(JSON.parse(value.slice(MANUAL_LOCK_PREFIX.length)));
    return parsed.success ? parsed.data : undefined;
  } catch {
    return undefined;
  }
}

/** The refusal for a deploy (or a second lock) blocked by a person's lock: who, when and why. */
export function manuallyLocked(service: string, environment: string, lock: ManualLock): FlightdeckError {
  return catalogued('manually-locked', { service, environment, ...lock });
}
