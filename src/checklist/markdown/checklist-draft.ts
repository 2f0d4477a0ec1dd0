/** An item of an imported checklist, in the shape of the checklist schema's input. */
export type DraftItem =
  | { id: string; kind: 'manual'; title: string; role?: string }
  | { id: string; kind: 'signoff'; title: string; role: string }
  | { id: string; kind: 'check'; title: string; probe: { type: 'http'; url: string } }
  | { id: string; kind: 'step'; action: 'set-image' | 'wait-rollout'; title: string }
  | { id: string; kind: 'step'; action: 'job'; title: string; command: string[] };

export interface DraftPhase {
  id: string;
  title: string;
  /** A follow-up phase's delay after the run succeeded (`after:`). */
  after?: string;
  items: DraftItem[];
}

/** A checklist in the shape of the schema's input, before the name is added. */
export interface ChecklistDraft {
  description: string | undefined;
  /** Role slug → the role's words, in order of first use. */
  roles: Record<string, string>;
  phases: DraftPhase[];
  /** What people do after a rollback of a run (the runbook's rollback section), not steps a deployment waits for. */
  rollbackPlan: DraftItem[];
}

/** One line of `import-checklist --report`: where something came from and what it became. */
export interface ImportReportLine {
  line: number;
  source: string;
  /** `mapped`: an executable item; `signoff`/`follow-up`/`rollback-plan`: recognised structure; `manual`: a box to tick. */
  outcome: 'mapped' | 'signoff' | 'follow-up' | 'rollback-plan' | 'manual' | 'skipped';
  became: string;
}
