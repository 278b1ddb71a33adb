import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['services/**/*.test.ts', 'libs/**/*.test.ts', 'detectors/**/*.test.ts', 'scripts/**/*.test.ts'],
    // chDB runs in-process; the default forks pool gives each test file its own process and so its own engine.
    pool: 'forks',
    // Starts (or finds) the real Kafka broker the Kafka tests use and exports VIGIL_TEST_KAFKA.
    // `npm run kafka:up` keeps one running between runs, so repeated runs skip the start-up.
    globalSetup: ['./services/test-support/kafka-global-setup.ts'],
    reporters: ['default', './scripts/vitest-summary-reporter.ts'],
    testTimeout: 60_000,
    hookTimeout: 120_000,
  },
});
