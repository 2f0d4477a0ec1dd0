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
  /**
   * 3 adds `uid` (a run created before it has none and keeps the names its objects were given, run-ref.ts), a
   * `reason` that may be data rather than a mrkdwn string, and a sign-off's `expired` approvals. A version 2
   * document is already a version 3 one.
   */
  2: {
    up: (doc) => ({ ...doc, schemaVersion: 3 }),
    down: (doc) => (fitsVersion2(doc) ? { ...doc, schemaVersion: 2 } : undefined),
  },
  /**
   * 4 adds the `job` step (its Job spec, `onFailure` and recorded `outcome`), blue-green (the preview, switch,
   * scale-down, switch-back and retire-preview steps and the target's `blueGreen` Services) and an emergency
   * deploy's `emergency` and the `commit` CI reported. A version 3 document is already a version 4 one; a run using any of them stays at 4,
   * since version 3 refuses an action it does not know and would drop `blueGreen` (leaving a rollback unable to
   * switch traffic back), `emergency` and `commit`.
   */
  3: {
    up: (doc) => ({ ...doc, schemaVersion: 4 }),
    down: (doc) => (fitsVersion3(doc) ? { ...doc, schemaVersion: 3 } : undefined),
  },
  /**
   * 5 adds the day-after watch (a guard's `watch`, the run's `watch` and a follow-up phase's `onFailure`), a
   * `job` step's `logStream` (how much of its running Job's log the thread has), a `job` step's `revert` (the
   * Job a rollback runs to undo it) and `irreversible`, and replica-mode canaries (a target whose `traffic` names
   * one Service, a canary step's `replicas: match-stable`). A version 4 document is already a version 5 one; a
   * run using any of them stays at 5, since version 4 would drop or refuse them (and with them the watch of a
   * succeeded run, the page of a failed follow-up, the offset a resumed step posts its log from, the revert a
   * rollback must run before restoring the image over a migration, or the canary's traffic).
   */
  4: {
    up: (doc) => ({ ...doc, schemaVersion: 5 }),
    down: (doc) => (fitsVersion4(doc) ? { ...doc, schemaVersion: 4 } : undefined),
  },
  /**
   * 6 adds `closingNotes`: what the transition that ended the run tells its thread, said in the deployment
   * summary (fold-closing-notes.ts). A version 5 document is already a version 6 one; a run with closing notes
   * stays at 6, since version 5 would drop them and post a summary that leaves out how the run ended.
   */
  5: {
    up: (doc) => ({ ...doc, schemaVersion: 6 }),
    down: (doc) => (doc.closingNotes === undefined ? { ...doc, schemaVersion: 5 } : undefined),
  },
};

function itemsOf(doc: StoredRunDocument): Array<Record<string, unknown>> {
  const phases = Array.isArray(doc.phases) ? (doc.phases as Array<{ items?: unknown }>) : [];
  return phases.flatMap((phase) => (Array.isArray(phase.items) ? (phase.items as Array<Record<string, unknown>>) : []));
}

const VERSION_4_ACTIONS = new Set(['job', 'preview', 'switch', 'scale-down', 'switch-back', 'retire-preview']);

/** Whether a version 5 document uses nothing version 4 would drop or refuse. */
function fitsVersion4(doc: StoredRunDocument): boolean {
  if (doc.watch !== undefined) return false;
  const target = doc.target as { traffic?: { service?: unknown } } | undefined;
  if (target?.traffic?.service !== undefined) return false;
  const laterItem = (item: Record<string, unknown>) =>
    item.logStream !== undefined || item.revert !== undefined || item.irreversible !== undefined || (item.action === 'canary' && item.replicas === 'match-stable');
  if (itemsOf(doc).some(laterItem)) return false;
  const guards = Array.isArray(doc.guards) ? (doc.guards as Array<Record<string, unknown>>) : [];
  if (guards.some((guard) => guard.watch !== undefined)) return false;
  const phases = Array.isArray(doc.phases) ? (doc.phases as Array<Record<string, unknown>>) : [];
  return !phases.some((phase) => phase.onFailure !== undefined);
}

/** Whether a version 4 document uses nothing version 3 would refuse or drop. */
function fitsVersion3(doc: StoredRunDocument): boolean {
  const target = doc.target as { blueGreen?: unknown } | undefined;
  if (target?.blueGreen !== undefined || doc.emergency !== undefined || doc.commit !== undefined) return false;
  return !itemsOf(doc).some((item) => typeof item.action === 'string' && VERSION_4_ACTIONS.has(item.action));
}

/** Whether a version 3 document uses nothing version 2 would refuse or drop. */
function fitsVersion2(doc: StoredRunDocument): boolean {
  if (doc.uid !== undefined) return false;
  if (doc.reason !== undefined && typeof doc.reason !== 'string') return false;
  return !itemsOf(doc).some((item) => item.expired !== undefined);
}
