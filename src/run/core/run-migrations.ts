/** A stored run document before it is validated: whatever JSON object a flightdeck of some version wrote. */
export type StoredRunDocument = Record<string, unknown> & { schemaVersion?: unknown };

/** One link of the chain: between version `from` and `from + 1`, both pure. */
export interface RunMigration {
  /** Turns a document of version `from` into one of `from + 1`. */
  up(doc: StoredRunDocument): StoredRunDocument;
  /**
   * Turns a document of version `from + 1` back into one of `from` when that loses nothing, else returns
   * undefined. Writing a run at the lowest version that holds it keeps runs begun before an upgrade readable
   * by the older pods still running during a rolling upgrade (they refuse any version but their own).
   */
  down(doc: StoredRunDocument): StoredRunDocument | undefined;
}

/** The oldest stored version this flightdeck reads. Version 1 (no `schemaVersion`) predates every release. */
export const OLDEST_RUN_SCHEMA_VERSION = 2;

/** Keyed by the version they migrate from; one per version from OLDEST_RUN_SCHEMA_VERSION to RUN_SCHEMA_VERSION - 1. */
export const RUN_MIGRATIONS: Readonly<Record<number, RunMigration>> = {
  /** 3 adds `uid`; a run created before it has none and keeps the names its objects were given (run-ref.ts). */
  2: {
    up: (doc) => ({ ...doc, schemaVersion: 3 }),
    down: (doc) => (doc.uid === undefined ? { ...doc, schemaVersion: 2 } : undefined),
  },
};
