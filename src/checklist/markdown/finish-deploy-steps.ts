import type { DraftItem, DraftPhase, ImportReportLine } from './checklist-draft.js';

const isStep = (action: string) => (item: DraftItem) => item.kind === 'step' && item.action === action;

/**
 * Makes imported deploy steps whole: waiting for a rollout only means something after the image changed,
 * and changing the image without waiting for it would call a deployment done before its pods are up. So
 * a set-image step is added before the first wait-rollout when none precedes it, and a wait-rollout after a
 * set-image that no wait-rollout follows. Returns a report line for each step it added.
 */
export function finishDeploySteps(phases: DraftPhase[], claimId: (words: string) => string): ImportReportLine[] {
  const report: ImportReportLine[] = [];
  const entries = phases.flatMap((phase) => phase.items.map((item, index) => ({ phase, item, index })));
  const waitAt = entries.findIndex(({ item }) => isStep('wait-rollout')(item));
  const setAt = entries.findIndex(({ item }) => isStep('set-image')(item));
  const firstWait = entries[waitAt];
  const firstSet = entries[setAt];
  if (firstWait && (!firstSet || setAt > waitAt)) {
    const id = claimId('set image');
    firstWait.phase.items.splice(firstWait.index, 0, { id, kind: 'step', action: 'set-image', title: 'Deploy the new version (set the release image)' });
    report.push({ line: 0, source: 'kubectl rollout status', outcome: 'mapped', became: `set-image step "${id}", added before the wait-rollout step: flightdeck changes the image, then waits` });
    return report;
  }
  if (firstSet) {
    const waits = entries.slice(setAt + 1).some(({ item }) => isStep('wait-rollout')(item));
    if (!waits) {
      const id = claimId('wait for rollout');
      firstSet.phase.items.splice(firstSet.index + 1, 0, { id, kind: 'step', action: 'wait-rollout', title: 'Wait for the new version to roll out' });
      report.push({ line: 0, source: firstSet.item.title, outcome: 'mapped', became: `wait-rollout step "${id}", added after the set-image step: a deploy is done when its pods are up` });
    }
  }
  return report;
}
