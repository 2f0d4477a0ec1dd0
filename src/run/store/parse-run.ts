import { FlightdeckError } from '../../errors/flightdeck-error.js';
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
    throw new FlightdeckError(
      'internal',
      `Run ${String(record.id)} was stored with run schema version ${String(record.schemaVersion ?? 1)}; this flightdeck reads version ${RUN_SCHEMA_VERSION}.`,
      { remedy: 'Finish or delete runs from the older flightdeck before upgrading, or run the version that wrote them.' },
    );
  }
  return runSchema.parse(value);
}
