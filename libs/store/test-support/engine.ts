// Which ClickHouse the store tests run against. The default vitest project runs them on embedded
// chDB; the "clickhouse-server" project (vitest.config.ts) provides `storeEngine: 'server'` and
// runs the same files against a ClickHouse HTTP server (CLICKHOUSE_URL mode), whose URL its global
// setup (services/test-support/clickhouse-global-setup.ts) provides as `clickhouseUrl`.
import { randomBytes } from 'node:crypto';
import { inject } from 'vitest';
import type { TestEngine } from './provided.js';

export function testEngine(): TestEngine {
  return inject('storeEngine') === 'server' ? 'server' : 'embedded';
}

/** The server's URL; throws (never skips) when the global setup did not run. */
export function testClickHouseUrl(): string {
  const url = inject('clickhouseUrl');
  if (!url) {
    throw new Error(`no ClickHouse server: run server-mode tests through vitest's "clickhouse-server" project (vitest.config.ts starts the server)`);
  }
  return url;
}

/**
 * One suffix per test file (each file runs in its own worker): on a shared server, databases are
 * `<name>_<suffix>`, so files and re-runs never see each other's rows, while a file that reopens
 * a store by the same name finds its own data again, as it would in its own chDB data directory.
 */
const FILE_SUFFIX = randomBytes(4).toString('hex');

export function testDatabase(name: string): string {
  return testEngine() === 'server' ? `${name}_${FILE_SUFFIX}` : name;
}
