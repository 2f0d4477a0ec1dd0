import { defineConfig } from 'vitest/config';

/**
 * The fault-injection suite: its own config so plain `npm test` never runs it. Files run one at a time —
 * they kill processes and time recoveries, and two at once on a 2-core machine would measure each other.
 */
export default defineConfig({
  test: {
    root: new URL('../..', import.meta.url).pathname,
    include: ['test/faults/**/*.fault.test.ts'],
    globalSetup: ['test/faults/global-setup.ts'],
    fileParallelism: false,
    testTimeout: 600_000,
    hookTimeout: 120_000,
  },
});
