import { catalogued } from '../../errors/error-catalogue.js';
import { OLDEST_RUN_SCHEMA_VERSION, RUN_MIGRATIONS, type StoredRunDocument } from '../core/run-migrations.js';
import { RUN_SCHEMA_VERSION, runSchema, type Run } from '../core/run-schema.js';

/**
 * Parses a stored run document, migrating one of an older schema version forward first (RUN_MIGRATIONS).
 * A document of a newer version (written by a newer flightdeck) fails loudly rather than being half-understood.
 *
 * @throws FlightdeckError `internal` naming the run and both versions when the version is newer or older
 *   than any this flightdeck reads; ZodError for a malformed document.
 */
export function parseRun(doc: string): Run {
  const value: unknown = JSON.parse(doc);
  const record: StoredRunDocument = typeof value === 'object' && value !== null ? (value as StoredRunDocument) : {};
  const version = record.schemaVersion ?? 1;
  if (typeof version !== 'number' || version < OLDEST_RUN_SCHEMA_VERSION || version > RUN_SCHEMA_VERSION) {
    throw catalogued('run-schema-version', { runId: String(record.id), stored: String(version), oldest: OLDEST_RUN_SCHEMA_VERSION, read: RUN_SCHEMA_VERSION });
  }
  let migrated = record;
  for (let from = version; from < RUN_SCHEMA_VERSION; from++) migrated = migrationFrom(from).up(migrated);
  return runSchema.parse(migrated);
}

/**
 * The stored text of a run: the run at the lowest schema version that holds it without loss, so a run begun
 * before an upgrade stays readable by the pods of the previous version while a rolling upgrade replaces them.
 * A run that uses something newer is written at RUN_SCHEMA_VERSION.
 */
export function serializeRun(run: Run): string {
  let doc: StoredRunDocument = run;
  for (let from = RUN_SCHEMA_VERSION - 1; from >= OLDEST_RUN_SCHEMA_VERSION; from--) {
    const older = migrationFrom(from).down(doc);
    if (older === undefined) break;
    doc = older;
  }
  return JSON.stringify(doc);
}

function migrationFrom(version: number) {
  const migration = RUN_MIGRATIONS[version];
  if (!migration) throw catalogued('run-migration-missing', { version });
  return migration;
}
