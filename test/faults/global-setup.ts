import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TestProject } from 'vitest/node';
import { faultProfile } from './support/fault-profile.js';
import { resultsTable, writeResultsTable } from './support/fault-record.js';

/**
 * Builds the flightdeck the scenarios spawn (unless FAULTS_SKIP_BUILD=1), gives them a folder for their counts, and at the end prints
 * the table RELIABILITY.md is made of (and writes it to `FAULTS_REPORT` when set).
 */
export default function setup(project: TestProject): () => void {
  // FAULTS_SKIP_BUILD=1 reuses dist/ as it is, for re-running one scenario after a build.
  if (process.env.FAULTS_SKIP_BUILD !== '1') execFileSync('npx', ['tsc', '-p', 'tsconfig.build.json'], { stdio: 'inherit' });
  const dir = mkdtempSync(join(tmpdir(), 'flightdeck-faults-'));
  const profile = faultProfile();
  project.provide('faultsResultsDir', dir);
  project.provide('faultsProfile', `${profile.name} (seed ${profile.seed})`);
  return () => {
    const label = `${profile.name}, FAULTS_SEED=${profile.seed}`;
    console.log(`\n${resultsTable(dir, label)}\n`);
    if (process.env.FAULTS_REPORT) writeResultsTable(dir, label, process.env.FAULTS_REPORT);
    rmSync(dir, { recursive: true, force: true });
  };
}
