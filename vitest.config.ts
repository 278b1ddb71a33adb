import { defineConfig } from 'vitest/config';
import type {} from './libs/store/test-support/provided.js';
import type {} from './services/test-support/provided.js';

/**
 * Test configuration from the environment, read here once and handed to the global setups and
 * tests with vitest's provide/inject: VIGIL_TEST_KAFKA names a running broker to use instead of
 * starting one on KAFKA_PORT (9092).
 */
const KAFKA = { kafkaBrokers: process.env.VIGIL_TEST_KAFKA ?? '', kafkaPort: process.env.KAFKA_PORT ?? '9092' };

// Store-backed tests that run twice: on embedded chDB (project "vigil") and on a ClickHouse server
// through CLICKHOUSE_URL (project "clickhouse-server"). All of them build their store with
// libs/store/test-support's storeConfig(), which picks the engine the project provides.
// NOTE: lock.integration.test.ts is about chDB's data directory lock, which a server has not.
// NOTE: projects leave files out with `!` include patterns, not `exclude`: a project's own
// `exclude` replaces the command line's, and `npm run test:unit` relies on `--exclude`.
const ON_BOTH_ENGINES = [
  'libs/store/*.integration.test.ts',
  'services/api/*.integration.test.ts',
  'services/detect/*.integration.test.ts',
  'services/notify/*.integration.test.ts',
];

export default defineConfig({
  test: {
    // chDB runs in-process; the default forks pool gives each test file its own process and so its own engine.
    pool: 'forks',
    reporters: ['default', './scripts/vitest-summary-reporter.ts'],
    testTimeout: 60_000,
    hookTimeout: 120_000,
    projects: [
      {
        extends: true,
        test: {
          name: 'vigil',
          include: ['services/**/*.test.ts', 'libs/**/*.test.ts', 'detectors/**/*.test.ts', 'scripts/**/*.test.ts', '!**/*.server.integration.test.ts'],
          // Starts (or finds) the real Kafka broker the Kafka tests use and provides its address.
          // `npm run kafka:up` keeps one running between runs, so repeated runs skip the start-up.
          globalSetup: ['./services/test-support/kafka-global-setup.ts'],
          provide: KAFKA,
        },
      },
      {
        extends: true,
        test: {
          name: 'clickhouse-server',
          include: [...ON_BOTH_ENGINES, '**/*.server.integration.test.ts', '!libs/store/lock.integration.test.ts'],
          // Read by libs/store/test-support/engine.ts: storeConfig() then points at the server.
          // VIGIL_TEST_CLICKHOUSE_URL: run them on that server instead of starting one (a scratch
          // server: see README, Storage).
          provide: { ...KAFKA, storeEngine: 'server', clickhouseUrl: process.env.VIGIL_TEST_CLICKHOUSE_URL ?? '' },
          // Starts a ClickHouse HTTP server (ClickHouse 26.x from chdb's libchdb.so) and provides
          // its URL; see services/test-support/clickhouse-global-setup.ts.
          // The Kafka tests among them need the broker too (its setup is idempotent across projects).
          globalSetup: ['./services/test-support/kafka-global-setup.ts', './services/test-support/clickhouse-global-setup.ts'],
        },
      },
    ],
  },
});
