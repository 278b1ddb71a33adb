// vitest globalSetup of the "clickhouse-server" project (vitest.config.ts): starts one ClickHouse
// HTTP server for the run (./clickhouse-server.ts) and tells the test workers its URL through
// VIGIL_TEST_CLICKHOUSE_URL (read with testClickHouseUrl() from ./clickhouse-env.ts).
//
// - VIGIL_TEST_CLICKHOUSE_URL already set: that server is used as is (e.g. a real clickhouse-server
//   with the users of docs/security-access.md's recipe, passwords `<name>-test-pw`); it must answer.
// - Otherwise a server from chdb's libchdb.so is started in a temporary folder and stopped at teardown.
//
// NOTE: a failure here throws, which fails the whole run with the reason: server tests never skip.
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startTestClickHouse } from './clickhouse-server.js';
import { TEST_CLICKHOUSE_ENV } from '../../libs/store/test-support/engine.js';

export default async function setup(): Promise<() => Promise<void>> {
  const preset = process.env[TEST_CLICKHOUSE_ENV];
  if (preset) {
    const res = await fetch(`${preset}/ping`, { signal: AbortSignal.timeout(10_000) }).catch((cause: unknown) => {
      throw new Error(`${TEST_CLICKHOUSE_ENV}=${preset}: no ClickHouse answered`, { cause });
    });
    if (!res.ok) throw new Error(`${TEST_CLICKHOUSE_ENV}=${preset}: /ping answered ${res.status}`);
    return () => Promise.resolve();
  }
  const server = await startTestClickHouse(await mkdtemp(join(tmpdir(), 'vigil-clickhouse-http-')));
  process.stderr.write(`clickhouse: ClickHouse ${server.version} HTTP interface on ${server.url} (scripts/clickhouse-http/serve.py)\n`);
  // Test files run in forked workers, which inherit this process's environment.
  process.env[TEST_CLICKHOUSE_ENV] = server.url;
  return () => server.stop();
}
