// A ClickHouse HTTP server for the tests of CLICKHOUSE_URL ("server") mode, started from the
// libchdb.so that chdb installs, through scripts/clickhouse-http/serve.py (see its header for why
// this is ClickHouse's own HTTP interface and not a stand-in). Loopback only, its own data folder.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdir, rm, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { docGrantUsers, usersXml } from './clickhouse-users.js';

const SERVE_PY = fileURLToPath(new URL('../../scripts/clickhouse-http/serve.py', import.meta.url));

/** The password the test server gives each user of the docs' grants recipe. */
export const docUserPassword = (name: string): string => `${name}-test-pw`;

export interface TestClickHouse {
  url: string;
  version: string;
  stop(): Promise<void>;
}

function libchdbPath(): string {
  const require = createRequire(import.meta.url);
  return require.resolve(`@chdb/lib-${process.platform}-${process.arch}-gnu/libchdb.so`);
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      srv.close(() => (typeof addr === 'object' && addr !== null ? resolve(addr.port) : reject(new Error('no port'))));
    });
  });
}

/** SELECT version() over HTTP, or undefined while the listener is not up. */
async function version(url: string): Promise<string | undefined> {
  try {
    const res = await fetch(`${url}/?query=${encodeURIComponent('SELECT version()')}`, { signal: AbortSignal.timeout(2000) });
    return res.ok ? (await res.text()).trim() : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Starts the server in `dir` (created; removed by stop()) and resolves once it answers a query.
 * Users: `default` without a password, and the users of docs/security-access.md's grants recipe.
 */
export async function startTestClickHouse(dir: string, timeoutMs = 60_000): Promise<TestClickHouse> {
  await mkdir(join(dir, 'data'), { recursive: true });
  const users = join(dir, 'users.xml');
  await writeFile(users, usersXml(docGrantUsers(), docUserPassword));
  const config = join(dir, 'config.xml');
  await writeFile(config, `<clickhouse>\n  <users_config>${users}</users_config>\n</clickhouse>\n`);
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  let output = '';
  const child: ChildProcess = spawn('python3', [SERVE_PY, libchdbPath(), join(dir, 'data'), String(port), config], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const keep = (chunk: Buffer): void => {
    output = (output + chunk.toString()).slice(-8000);
  };
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);
  let exited = false;
  const gone = new Promise<void>((resolve) => child.once('exit', () => ((exited = true), resolve())));
  const stop = async (): Promise<void> => {
    if (!exited) {
      child.kill('SIGTERM');
      const killer = setTimeout(() => child.kill('SIGKILL'), 5000);
      await gone;
      clearTimeout(killer);
    }
    await rm(dir, { recursive: true, force: true });
  };
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await version(url);
    if (v !== undefined) return { url, version: v, stop };
    if (exited || Date.now() >= deadline) {
      await stop();
      throw new Error(`the ClickHouse HTTP server (scripts/clickhouse-http/serve.py) did not answer on ${url}${exited ? ' and exited' : ` within ${timeoutMs} ms`}:\n${output}`);
    }
    await new Promise((r) => setTimeout(r, 200));
  }
}
