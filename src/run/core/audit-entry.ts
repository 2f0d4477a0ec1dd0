import type { AuditEntry, Run } from './run-schema.js';

/** Builds one audit entry for `run`; `now` is the transition's clock so every entry of one event agrees. */
export function auditEntry(run: Run, actor: string, action: string, detail: string, now: number): AuditEntry {
  return { run: run.id, actor, action, detail, at: now };
}
