import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    // Integration and e2e files share one Redis and bind loopback ports; two workers keep the 2-core machine responsive.
    maxWorkers: 2,
  },
});
