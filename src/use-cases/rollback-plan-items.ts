import type { Checklist } from '../checklist/checklist-schema.js';
import { fillTemplates } from '../checklist/template-variables.js';
import { templateValuesFor } from '../run/core/create-run.js';
import type { RunItem } from '../run/core/run-item-schema.js';
import type { Run } from '../run/core/run-schema.js';
import { toRunItem } from '../run/core/to-run-item.js';

/**
 * The rollback plan of the checklist `undone` ran (`rollbackPlan`), as pending run items with its template
 * variables filled from that run. Empty when the run is unknown, its checklist is gone from the config or
 * has no plan: the rollback itself never depends on it.
 */
export function rollbackPlanItems(checklists: ReadonlyMap<string, Checklist> | undefined, undone: Run | null): RunItem[] {
  const checklist = undone ? checklists?.get(undone.checklist) : undefined;
  if (!undone || !checklist?.rollbackPlan?.length) return [];
  const filled = fillTemplates(checklist, templateValuesFor(undone));
  return (filled.rollbackPlan ?? []).map((item) => toRunItem(item, filled, undone.target));
}
