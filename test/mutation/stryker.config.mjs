// `npm run test:mutation`: Stryker mutates the pure core and runs its unit tests against each mutant.
// Too slow for every CI run (see README, "Mutation testing"); MUTATION.md records the last scores.
// One group at a time: `npm run test:mutation -- --mutate 'src/auth/gate*.ts'`.
export default {
  mutate: [
    // The run state machine: transition(run, event, now), run creation and the run schema.
    'src/run/core/**/*.ts',
    // Guard assessment: the pure part of src/probes (measuring is I/O and is tested against emulators).
    'src/probes/assess-guard.ts',
    'src/checklist/checklist-schema.ts',
    // Command parsing; the handlers call Redis and the cluster and are tested end to end.
    'commands/deploy/parse-deploy.ts',
    'commands/deploy/deploy-usage.ts',
    'commands/rollback.ts:10-61',
    'src/auth/gate*.ts',
  ],
  testRunner: 'vitest',
  vitest: { configFile: 'test/mutation/vitest.config.ts', related: true },
  // Each mutant runs only the tests that reached its code in the first, instrumented run.
  coverageAnalysis: 'perTest',
  // A static mutant (one in a module-level table, such as a zod schema or the gate's rule table) reloads
  // every related test file; on this machine that is most of the run's time, so they are left out and
  // MUTATION.md counts them as not measured.
  ignoreStatic: true,
  checkers: ['typescript'],
  tsconfigFile: 'test/mutation/tsconfig.json',
  typescriptChecker: { prioritizePerformanceOverAccuracy: true },
  // The machine has 2 cores shared with other work; one test runner and one checker.
  concurrency: 1,
  timeoutMS: 20_000,
  reporters: ['clear-text', 'progress', 'json', 'html'],
  jsonReporter: { fileName: 'reports/mutation/mutation.json' },
  htmlReporter: { fileName: 'reports/mutation/mutation.html' },
  clearTextReporter: { allowColor: false, logTests: false, reportScoreTable: true, reportMutants: true },
  // Not under node_modules: vitest.related finds no test for a file there. biome.jsonc skips it.
  tempDirName: '.stryker-tmp',
  cleanTempDir: true,
};
