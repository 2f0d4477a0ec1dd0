import type { ImportReportLine } from './checklist-draft.js';

const GROUPS: Array<{ outcome: ImportReportLine['outcome']; heading: string }> = [
  { outcome: 'mapped', heading: 'mapped to steps and checks' },
  { outcome: 'signoff', heading: 'sign-offs' },
  { outcome: 'follow-up', heading: 'follow-ups (phases with after)' },
  { outcome: 'rollback-plan', heading: 'rollback plan' },
  { outcome: 'manual', heading: 'left manual' },
  { outcome: 'skipped', heading: 'not imported' },
];

/** `import-checklist --report`: what each task box, sign-off and command became, grouped, with a count per group. */
export function formatImportReport(report: readonly ImportReportLine[]): string {
  const lines: string[] = [];
  for (const { outcome, heading } of GROUPS) {
    const entries = report.filter((entry) => entry.outcome === outcome);
    lines.push(`${heading}: ${entries.length}`);
    for (const entry of entries) {
      const source = entry.source.length > 100 ? `${entry.source.slice(0, 99)}…` : entry.source;
      lines.push(`  ${entry.line > 0 ? `line ${entry.line}` : 'added'}: ${source} → ${entry.became}`);
    }
  }
  return `${lines.join('\n')}\n`;
}
