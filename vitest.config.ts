import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    testTimeout: 30_000,
    hookTimeout: 60_000,
    // Integration and e2e files share one Redis and bind loopback ports; two workers keep the 2-core machine responsive.
    maxWorkers: 2,
    projects: [
      {
        extends: true,
        test: { name: 'unit-integration', include: ['test/unit/**/*.test.ts', 'test/integration/**/*.test.ts', 'sandbox/**/*.test.ts', 'test/helm/**/*.test.ts'] },
      },
      {
        extends: true,
        // The e2e suite runs the built flightdeck as an operator would, so it builds once first.
        test: { name: 'e2e', include: ['test/e2e/**/*.test.ts'], globalSetup: ['test/e2e/global-setup.ts'] },
      },
    ],
  },
});
