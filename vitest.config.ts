import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['services/**/*.test.ts', 'libs/**/*.test.ts', 'detectors/**/*.test.ts', 'scripts/**/*.test.ts'],
    // chDB runs in-process; the default forks pool gives each test file its own process and so its own engine.
    pool: 'forks',
    reporters: ['default', './scripts/vitest-summary-reporter.ts'],
    testTimeout: 60_000,
    hookTimeout: 120_000,
  },
});
