import { catalogued } from '../../errors/error-catalogue.js';
import { RUN_SCHEMA_VERSION, runSchema, type Run } from '../core/run-schema.js';

/**
 * Parses a stored run document. A document of another schema version (written by an older or newer
 * flightdeck) fails loudly rather than being half-understood.
 *
 * @throws FlightdeckError `internal` naming the run and both versions; ZodError for a malformed document of this version.
 */
export function parseRun(doc: string): Run {
  const value: unknown = JSON.parse(doc);
  const record = typeof value === 'object' && value !== null ? (value as { id?: unknown; schemaVersion?: unknown }) : {};
  if (record.schemaVersion !== RUN_SCHEMA_VERSION) {
    throw catalogued('run-schema-version', { runId: String(record.id), stored: String(record.schemaVersion ?? 1), read: RUN_SCHEMA_VERSION });
  }
  return runSchema.parse(value);
}
