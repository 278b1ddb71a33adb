import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { VigilError } from '../errors/index.js';
import { createStore } from './index.js';
import { removeDataDir, silentLogger, storeConfig, tempDataDir } from './test-support/fixtures.js';

/**
 * Stands in for a running `vigil start`: opens <dataDir>/clickhouse exactly as the store does
 * (chdb/connection through @clickhouse/client), says "ready", and holds it until stdin closes.
 * Plain ESM so the child needs no TypeScript loader.
 */
const HOLDER = `
import { createClient } from '@clickhouse/client';
import { createChdbConnection } from 'chdb/connection';
import { drainPending } from 'chdb';
import { once } from 'node:events';
const client = createClient({ connection: createChdbConnection({ path: process.env.HOLD_DIR + '/clickhouse' }) });
await client.query({ query: 'SELECT 1', format: 'JSONEachRow' }).then((r) => r.json());
process.stdout.write('ready\\n');
process.stdin.resume();
await once(process.stdin, 'end');
await client.close();
await drainPending();
`;

const repoRoot = fileURLToPath(new URL('../../', import.meta.url));
let holder: ChildProcess | undefined;

afterAll(() => {
  if (holder && holder.exitCode === null) holder.kill();
});

async function startHolder(dataDir: string): Promise<ChildProcess> {
  const child = spawn(process.execPath, ['--input-type=module', '-e', HOLDER], {
    cwd: repoRoot,
    env: { ...process.env, HOLD_DIR: dataDir },
    stdio: ['pipe', 'pipe', 'inherit'],
  });
  let out = '';
  await new Promise<void>((resolve, reject) => {
    child.stdout?.on('data', (chunk: Buffer) => {
      out += chunk.toString('utf8');
      if (out.includes('ready')) resolve();
    });
    child.once('exit', (code) => reject(new Error(`holder exited early with ${code}`)));
  });
  return child;
}

describe('embedded data directory', () => {
  it('refuses with data_dir_locked while another process holds it, and opens once that process exits', async () => {
    const dataDir = await tempDataDir('lock');
    holder = await startHolder(dataDir);

    let caught: unknown;
    try {
      await createStore(storeConfig(dataDir, 'lock_test'), { logger: silentLogger });
    } catch (e) {
      caught = e;
    }
    expect(caught).toBeInstanceOf(VigilError);
    const err = caught as VigilError;
    expect(err.code).toBe('data_dir_locked');
    expect(err.retriable).toBe(false);
    expect(err.message).toContain(`another Vigil process (pid ${holder.pid}, e.g. \`vigil start\`) holds the data directory ${dataDir}`);
    expect(err.message).toContain("CLI commands must go through that process's API");

    holder.stdin?.end();
    const [code] = (await once(holder, 'exit')) as [number | null];
    expect(code).toBe(0);

    const store = await createStore(storeConfig(dataDir, 'lock_test'), { logger: silentLogger });
    expect(await store.ping()).toBe(true);
    expect(await store.countEvents()).toBe(0);
    await store.close();
    await removeDataDir(dataDir);
  });
});
