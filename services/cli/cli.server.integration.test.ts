import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Alert } from '../../libs/contracts/index.js';
import { createLogger } from '../../libs/log/index.js';
import { createStore } from '../../libs/store/index.js';
import { testClickHouseUrl, testDatabase } from '../../libs/store/test-support/engine.js';
import { startVigilProcess, type VigilProcess } from '../test-support/privacy/vigil-process.js';
import { byPrincipal, EXPECTED_MALLORY, EXPECTED_PROBE, FIXTURE, FIXTURE_EVENTS, FIXTURE_LINES } from '../kafka/test-support/scenario.js';

/**
 * The CLI contract with CLICKHOUSE_URL set: the same commands and answers as on embedded chDB
 * (cli.integration.test.ts), but the data lives on the server, so no data directory lock stands
 * between the CLI and a running `vigil start`.
 */
const root = join(import.meta.dirname, '..', '..');
const bin = join(root, 'bin', 'vigil.js');
const database = testDatabase('cli');
const dirs: string[] = [];
const env = () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'vigil-cli-server-'));
  dirs.push(dataDir);
  return {
    ...process.env,
    VIGIL_TOKENIZATION_KEY: 'a1'.repeat(32),
    VIGIL_DATA_DIR: dataDir,
    VIGIL_LOG_LEVEL: 'warn',
    CLICKHOUSE_URL: testClickHouseUrl(),
    CLICKHOUSE_DATABASE: database,
  };
};
// Each command in a data directory of its own: on a server nothing of the store lives there.
const vigil = (...args: string[]) => {
  const r = spawnSync(process.execPath, [bin, ...args], { env: env(), encoding: 'utf8', timeout: 120_000 });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
};

async function storedEvents(): Promise<number> {
  const store = await createStore(
    { clickhouse: { url: testClickHouseUrl(), user: 'default', password: '', database }, dataDir: mkdtempSync(join(tmpdir(), 'vigil-cli-server-')), retentionDays: 30 },
    { logger: createLogger({ level: 'silent' }) },
  );
  try {
    return await store.countEvents();
  } finally {
    await store.close();
  }
}

let alerts: Alert[] = [];

beforeAll(() => {
  const r = vigil('replay', FIXTURE);
  expect(r.stderr).toBe('');
  expect(r.code).toBe(0);
  expect(r.stdout).toMatch(new RegExp(`^Replayed 1 file: ${FIXTURE_LINES.length} lines -> ${FIXTURE_EVENTS} events, 2 dead-lettered; 227 findings -> 2 new alerts, 225 alert updates; `));
  const out = vigil('alerts', '--json');
  expect(out.code).toBe(0);
  alerts = JSON.parse(out.stdout) as Alert[];
});

afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

describe('vigil CLI on a ClickHouse server (CLICKHOUSE_URL)', () => {
  it('replays the recorded morning into exactly the two alerts of the embedded run', () => {
    expect(alerts.map((a) => a.principal).sort()).toEqual([EXPECTED_MALLORY.principal, EXPECTED_PROBE.principal].sort());
    expect(byPrincipal(alerts, EXPECTED_MALLORY.principal)).toMatchObject(EXPECTED_MALLORY);
    expect(byPrincipal(alerts, EXPECTED_PROBE.principal)).toMatchObject(EXPECTED_PROBE);
  });

  it('stores each event once, also when the same file is replayed again', async () => {
    const r = vigil('replay', FIXTURE);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('-> 0 new alerts, 0 alert updates;');
    expect(await storedEvents()).toBe(FIXTURE_EVENTS);
  });

  describe('with vigil start running on the same server', () => {
    let server: VigilProcess;

    beforeAll(async () => {
      server = await startVigilProcess([], env());
    });

    afterAll(async () => {
      await server.stop();
    });

    it('creates keys and lists alerts straight on the server, and those keys open the running API', async () => {
      const created = vigil('keys', 'create', '--role', 'analyst');
      expect([created.code, created.stderr]).toEqual([0, '']);
      const key = created.stdout.trim().split('\n').pop() as string;
      expect(key).toMatch(/^vgl_[A-Za-z0-9_-]{43}$/);
      const listed = vigil('alerts', '--json');
      expect([listed.code, listed.stderr]).toEqual([0, '']);
      expect((JSON.parse(listed.stdout) as Alert[]).map((a) => a.id).sort()).toEqual(alerts.map((a) => a.id).sort());
      const res = await fetch(`${server.url}/v1/alerts/${byPrincipal(alerts, EXPECTED_MALLORY.principal).id}`, { headers: { authorization: `Bearer ${key}` } });
      expect(res.status).toBe(200);
      expect(((await res.json()) as { alert: Alert }).alert).toMatchObject(EXPECTED_MALLORY);
    });

    it('ingests over HTTP into the same server', async () => {
      const created = vigil('keys', 'create', '--role', 'analyst');
      const key = created.stdout.trim().split('\n').pop() as string;
      const batch = readFileSync(FIXTURE, 'utf8').split('\n').slice(0, 3).map((l) => JSON.parse(l) as unknown);
      const r = await fetch(`${server.url}/v1/ingest`, {
        method: 'POST',
        body: JSON.stringify(batch),
        headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
      });
      expect(r.status).toBe(202);
      expect(await r.json()).toEqual({ accepted: 3, deadLettered: 0, duplicates: 0 });
      // The same three lines were stored by the replay: same deterministic ids, so nothing new.
      expect(await storedEvents()).toBe(FIXTURE_EVENTS);
    });
  });
});
