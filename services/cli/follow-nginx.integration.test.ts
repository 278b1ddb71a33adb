import { existsSync, mkdtempSync, readFileSync, renameSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FollowPositionsSchema } from '../../libs/contracts/index.js';
import { startPrivateNginx, type PrivateNginx } from '../../libs/adapters/test-support/nginx.js';
import { startVigilProcess, type VigilProcess } from '../test-support/privacy/vigil-process.js';
import { readRunInfo } from './run-info.js';

/**
 * The single-machine setup: a real nginx (Debian) writes the project's JSON access log and
 * `vigil start --follow` reads it as it is written, through a logrotate-style rotation (rename, a
 * few more lines into the renamed file, then nginx told to reopen its logs with SIGUSR1).
 */
const dir = mkdtempSync(join(tmpdir(), 'vigil-follow-nginx-'));
const dataDir = join(dir, 'data');
const log = join(dir, 'access.json.log');
let nginx: PrivateNginx;
let vigil: VigilProcess | undefined;

beforeAll(async () => {
  nginx = await startPrivateNginx(
    dir,
    (p) => `  server {
    listen 127.0.0.1:${p};
    access_log ${log} vigil_json;
    location /fhir/ { return 200 '{"resourceType":"Bundle","type":"searchset"}'; }
  }`,
  );
});

afterAll(async () => {
  await vigil?.stop();
  await nginx.stop();
  rmSync(dir, { recursive: true, force: true });
});

/** vigil_events_total summed over formats, from the running process's /metrics. */
async function eventsTotal(): Promise<number> {
  const info = readRunInfo(dataDir);
  const res = await fetch(`${vigil?.url ?? ''}/metrics`, { headers: { authorization: `Bearer ${info?.key ?? ''}` } });
  const text = await res.text();
  return [...text.matchAll(/^vigil_events_total\{[^}]*\} (\d+)$/gm)].reduce((n, m) => n + Number(m[1]), 0);
}

async function untilEvents(n: number): Promise<void> {
  for (let i = 0; i < 600 && (await eventsTotal()) < n; i++) await sleep(50);
  expect(await eventsTotal()).toBe(n);
}

const get = (i: number) => nginx.send(`/fhir/Patient/${i}`, { headers: { 'user-agent': 'ward-7-workstation', 'x-request-id': `follow-${i}` } });

describe('vigil start --follow on a real nginx access log', () => {
  it('stores every request nginx logs, before and after a rotation, once', async () => {
    // The readiness probes of startPrivateNginx are in the log already, and read from its first line.
    const before = readFileSync(log, 'utf8').split('\n').filter((l) => l !== '').length;
    expect(before).toBeGreaterThan(0);
    vigil = await startVigilProcess(['--follow', log], {
      ...process.env,
      VIGIL_DATA_DIR: dataDir,
      VIGIL_TOKENIZATION_KEY: 'd4'.repeat(32),
      VIGIL_LOG_LEVEL: 'warn',
      VIGIL_INGEST_MAX_FUTURE_SECONDS: '300',
    });
    // Printed right after the URL the start resolved on.
    for (let i = 0; i < 100 && !vigil.stdout().includes('Vigil following'); i++) await sleep(20);
    expect(vigil.stdout()).toContain(`Vigil following ${log} (positions in ${dataDir}/follow)`);
    for (let i = 1; i <= 5; i++) expect(await get(i)).toBe(200);
    await untilEvents(before + 5);

    renameSync(log, `${log}.1`);
    for (let i = 6; i <= 7; i++) expect(await get(i)).toBe(200); // nginx still writes to the renamed file
    const pid = Number(readFileSync(join(dir, 'nginx.pid'), 'utf8').trim());
    process.kill(pid, 'SIGUSR1'); // what logrotate's postrotate does: reopen the logs
    for (let attempt = 0; attempt < 100 && !existsSync(log); attempt++) await sleep(20);
    for (let i = 8; i <= 10; i++) expect(await get(i)).toBe(200);
    await untilEvents(before + 10);

    expect(await vigil.stop()).toBe(0);
    vigil = undefined;
    const saved = FollowPositionsSchema.parse(JSON.parse(readFileSync(join(dataDir, 'follow', 'positions.json'), 'utf8'))).files[log] ?? [];
    // Where it stopped in the new file is its end; the renamed one, if not let go yet, is read to its end too.
    const now = statSync(log);
    expect(saved.at(-1)).toEqual({ dev: String(now.dev), ino: String(now.ino), offset: now.size });
    for (const s of saved.slice(0, -1)) expect(s.offset).toBe(statSync(`${log}.1`).size);
  });
});
