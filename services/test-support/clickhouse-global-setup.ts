// vitest globalSetup of the "clickhouse-server" project (vitest.config.ts): starts one ClickHouse
// HTTP server for the run (./clickhouse-server.ts) and provides its URL to the tests as
// `clickhouseUrl` (read with testClickHouseUrl() from libs/store/test-support/engine.ts).
//
// - VIGIL_TEST_CLICKHOUSE_URL set (vitest.config.ts provides it): that server is used as is (e.g. a real clickhouse-server with
//   the users of docs/security-access.md's recipe, passwords `<name>-test-pw`); it must answer.
// - Otherwise a server from chdb's libchdb.so is started in a temporary folder and stopped at teardown.
//
// NOTE: a failure here throws, which fails the whole run with the reason: server tests never skip.
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TestProject } from 'vitest/node';
import { startTestClickHouse } from './clickhouse-server.js';
import type {} from '../../libs/store/test-support/provided.js';

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  // Set from VIGIL_TEST_CLICKHOUSE_URL by vitest.config.ts; empty: start our own.
  const preset = project.getProvidedContext().clickhouseUrl;
  if (preset) {
    const res = await fetch(`${preset}/ping`, { signal: AbortSignal.timeout(10_000) }).catch((cause: unknown) => {
      throw new Error(`VIGIL_TEST_CLICKHOUSE_URL=${preset}: no ClickHouse answered`, { cause });
    });
    if (!res.ok) throw new Error(`VIGIL_TEST_CLICKHOUSE_URL=${preset}: /ping answered ${res.status}`);
    return () => Promise.resolve();
  }
  const server = await startTestClickHouse(await mkdtemp(join(tmpdir(), 'vigil-clickhouse-http-')));
  process.stderr.write(`clickhouse: ClickHouse ${server.version} HTTP interface on ${server.url} (scripts/clickhouse-http/serve.py)\n`);
  project.provide('clickhouseUrl', server.url);
  return () => server.stop();
}
