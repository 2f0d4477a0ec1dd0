import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { inject } from 'vitest';

declare module 'vitest' {
  export interface ProvidedContext {
    faultsResultsDir: string;
    faultsProfile: string;
  }
}

/** What one scenario tried and what became of it; one row of RELIABILITY.md. */
export interface ScenarioRecord {
  /** Scenario number as RELIABILITY.md lists them (sub-rounds use 3a, 3b…). */
  id: string;
  scenario: string;
  /** What a unit is: runs, requests, clicks. */
  unit: string;
  tried: number;
  /** Reached the expected end with every invariant holding. */
  survived: number;
  /** Never finished, finished without its audit, lost its rollback target or its message. */
  lost: number;
  /** Acted twice: a second patch, a second run, a second tick or terminal entry. */
  duplicated: number;
  seed: number;
  /** Anything else measured (retries seen, faults injected) and every failure's reason. */
  notes: string[];
}

/** Saves a scenario's counts for the suite's closing table (written by the global teardown). */
export function recordScenario(record: ScenarioRecord): void {
  const dir = inject('faultsResultsDir');
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, `${record.id}.json`), JSON.stringify(record, null, 2));
}

/** The markdown table of every saved record, in scenario order. */
export function resultsTable(dir: string, profile: string): string {
  const records = readdirSync(dir)
    .filter((file) => file.endsWith('.json'))
    .map((file) => JSON.parse(readFileSync(join(dir, file), 'utf8')) as ScenarioRecord)
    .sort((a, b) => a.id.localeCompare(b.id, 'en', { numeric: true }));
  const rows = records.map(
    (r) =>
      `| ${r.id} | ${r.scenario} | ${r.tried} ${r.unit} | ${r.survived} | ${r.lost} | ${r.duplicated} | ${r.seed} | ${r.notes.join('; ').replace(/\|/g, '\\|')} |`,
  );
  return [
    `Fault suite, profile ${profile}:`,
    '',
    '| # | scenario | tried | survived | lost | duplicated | seed | notes |',
    '| --- | --- | --- | --- | --- | --- | --- | --- |',
    ...rows,
  ].join('\n');
}

/** Writes the table to `path` (used with `FAULTS_REPORT=<file>`). */
export function writeResultsTable(dir: string, profile: string, path: string): void {
  writeFileSync(path, `${resultsTable(dir, profile)}\n`);
}
