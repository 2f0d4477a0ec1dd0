import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

// The unit tests of the modules `npm run test:mutation` mutates (test/mutation/stryker.config.mjs): all
// pure, no Redis or emulator, so Stryker can run them once per mutant in one worker. The importer's
// property test (3,000 generated documents, most of a minute) is left out: the importer is not mutated.
export default defineConfig({
  test: {
    root: fileURLToPath(new URL('../..', import.meta.url)),
    include: [
      'test/unit/api-tokens.test.ts',
      'test/unit/auth-gate*.test.ts',
      'test/unit/gate-*.test.ts',
      'test/unit/job-step.test.ts',
      'test/unit/checklist-*.test.ts',
      'test/unit/command-*.test.ts',
      'test/unit/deploy-*.test.ts',
      'test/unit/echoed-input-escaping.test.ts',
      'test/unit/guard-assess*.test.ts',
      'test/unit/guard-decide-breach.test.ts',
      'test/unit/render-*.test.ts',
      'test/unit/rollback-command.test.ts',
      'test/unit/rollback-plan.test.ts',
      'test/unit/run-*.test.ts',
      'test/unit/word-thread-note.test.ts',
      'test/mutation/**/*.test.ts',
    ],
    testTimeout: 30_000,
    maxWorkers: 1,
  },
});
