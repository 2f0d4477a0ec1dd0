// Reads vitest JSON reports and prints the closing line "N passed, N failed, N skipped" that the workplace
// reads. Exits 1 when a report is missing or unreadable, when anything failed, or when a test skipped that
// .ci/allowed-skips does not list: a skip nobody expected is how a missing tool hides a whole test file.
// A test that "skipped" because its file failed to set up (a beforeAll threw) counts as failed, not skipped.
// Each failure is printed with the start of its message: the reports are deleted after the run, and the log is
// then the only place a failure seen once under load can be read.
import { readFileSync } from 'node:fs';

const [allowListPath, ...reports] = process.argv.slice(2);

const allowed = new Map();
for (const [index, raw] of readFileSync(allowListPath, 'utf8').split('\n').entries()) {
  const line = raw.trim();
  if (line === '' || line.startsWith('#')) continue;
  const [name, reason] = line.split(' | ').map((part) => part?.trim());
  if (!name || !reason) {
    console.error(`${allowListPath}:${index + 1}: every entry needs "full test name | reason"`);
    process.exit(1);
  }
  allowed.set(name, reason);
}

let passed = 0;
let failed = 0;
let skipped = 0;
const unexpected = [];
const failures = [];
/** The first lines of a failure message, enough to say what was expected and where. */
const excerpt = (message) => String(message ?? '').split('\n').slice(0, 12).join('\n').slice(0, 2000);
for (const file of reports) {
  let report;
  try {
    report = JSON.parse(readFileSync(file, 'utf8'));
  } catch {
    console.error(`no readable vitest report at ${file}: the run did not finish`);
    failed += 1;
    continue;
  }
  for (const suite of report.testResults ?? []) {
    const tests = suite.assertionResults ?? [];
    const suiteFailed = suite.status === 'failed';
    // A file that failed while every test in it passed (an afterAll threw, or it never collected) is one failure.
    if (suiteFailed && tests.every((test) => test.status === 'passed')) {
      failed += 1;
      failures.push(`${suite.name}\n${excerpt(suite.message)}`);
    }
    for (const test of tests) {
      if (test.status === 'passed') passed += 1;
      else if (test.status === 'failed') {
        failed += 1;
        failures.push(`${suite.name}: ${test.fullName}\n${excerpt((test.failureMessages ?? []).join('\n'))}`);
      } else if (suiteFailed) failed += 1;
      else {
        skipped += 1;
        if (!allowed.has(test.fullName)) unexpected.push(`${suite.name}: ${test.fullName}`);
      }
    }
  }
}

for (const failure of failures) console.log(`FAILED ${failure}\n`);
if (unexpected.length > 0) {
  console.error(`${unexpected.length} skipped test(s) not in ${allowListPath}:`);
  for (const name of unexpected) console.error(`  ${name}`);
}
console.log(`${passed} passed, ${failed} failed, ${skipped} skipped`);
process.exit(failed > 0 || unexpected.length > 0 ? 1 : 0);
