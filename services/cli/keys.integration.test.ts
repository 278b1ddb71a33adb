import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir, userInfo } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ApiKeyRecord, AuditRecord } from '../../libs/contracts/index.js';

/** `vigil keys` expiry and rotation through the real binary, on the store and through `vigil start`. */
const root = join(import.meta.dirname, '..', '..');
const bin = join(root, 'bin', 'vigil.js');
const dataDir = mkdtempSync(join(tmpdir(), 'vigil-keys-'));
const env = { ...process.env, VIGIL_TOKENIZATION_KEY: 'b2'.repeat(32), VIGIL_DATA_DIR: dataDir, VIGIL_LOG_LEVEL: 'warn' };

function vigil(...args: string[]) {
  const r = spawnSync(process.execPath, [bin, ...args], { env, encoding: 'utf8', timeout: 120_000 });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

const CREATED = /^Created admin key ([0-9a-f]{16}) \(vgl_[A-Za-z0-9_-]{8}\.\.\.\), expiring (\S+)\. It is shown once; store it now:$/;

describe('vigil keys: expiry and rotation', () => {
  let first = '';
  let expiresAt = '';
  let second = '';
  let secondKey = '';

  beforeAll(() => {
    const r = vigil('keys', 'create', '--role', 'admin', '--name', 'ops', '--expires-in', '30d');
    expect([r.code, r.stderr]).toEqual([0, '']);
    const [line, key] = r.stdout.trim().split('\n');
    const m = CREATED.exec(line ?? '');
    expect(m, line).not.toBeNull();
    first = m?.[1] ?? '';
    expiresAt = m?.[2] ?? '';
    expect(key).toMatch(/^vgl_[A-Za-z0-9_-]{43}$/);
  });

  it('creates an expiring key with a name and lists its expiry after the usual fields', () => {
    const days = (Date.parse(expiresAt) - Date.now()) / 86_400_000;
    expect(days > 29.9 && days <= 30).toBe(true);
    const line = vigil('keys', 'list').stdout.trim();
    expect(line).toMatch(new RegExp(`^${first}  admin    vgl_[A-Za-z0-9_-]{8}\\.\\.\\.  created \\S+  ops  expires ${expiresAt}$`));
  });

  it('rotates on the store: same role and name, the old key kept for the grace period, both linked', () => {
    const r = vigil('keys', 'rotate', first, '--grace', '1h');
    expect([r.code, r.stderr]).toEqual([0, '']);
    const [line, key] = r.stdout.trim().split('\n');
    const m = new RegExp(`^Rotated ${first}: new admin key ([0-9a-f]{16}) \\(vgl_[A-Za-z0-9_-]{8}\\.\\.\\.\\); ${first} keeps working until (\\S+)\\. It is shown once; store it now:$`).exec(line ?? '');
    expect(m, line).not.toBeNull();
    second = m?.[1] ?? '';
    secondKey = key ?? '';
    const keys = JSON.parse(vigil('keys', 'list', '--json').stdout) as Omit<ApiKeyRecord, 'hash'>[];
    expect(keys.find((k) => k.id === first)).toMatchObject({ replacedBy: second, expiresAt: m?.[2], label: 'ops' });
    expect(keys.find((k) => k.id === second)).toMatchObject({ rotatedFrom: first, role: 'admin', label: 'ops' });
    expect(Date.parse(m?.[2] ?? '') - Date.now()).toBeGreaterThan(3_500_000);
  });

  it('exits 2 on a bad duration or a missing id', () => {
    expect(vigil('keys', 'create', '--role', 'viewer', '--expires-in', 'soon')).toMatchObject({
      code: 2,
      stderr: 'vigil: --expires-in must be a duration such as 90m, 24h, 30d or 2w (got soon)\n',
    });
    expect(vigil('keys', 'rotate')).toMatchObject({ code: 2, stderr: 'vigil: usage: vigil keys rotate ID [--grace 24h] (see `vigil keys list`)\n' });
    expect(vigil('keys', 'rotate', '0000000000000000')).toMatchObject({ code: 2, stderr: 'vigil: no live key with id 0000000000000000\n' });
  });

  describe('with vigil start running', () => {
    let server: ChildProcess;
    let url = '';

    beforeAll(async () => {
      server = spawn(process.execPath, [bin, 'start', '--port', '0'], { env, stdio: ['ignore', 'pipe', 'pipe'] });
      url = await new Promise<string>((resolve, reject) => {
        let out = '';
        server.stdout?.on('data', (b: Buffer) => {
          out += b.toString();
          const m = /Vigil listening on (http:\/\/[^\s]+)/.exec(out);
          if (m) resolve(m[1] as string);
        });
        server.once('exit', (code) => reject(new Error(`vigil start exited ${code}`)));
      });
    });

    afterAll(async () => {
      if (server.exitCode === null) {
        const exited = new Promise((r) => server.once('exit', r));
        server.kill('SIGTERM');
        await exited;
      }
    });

    const api = (path: string, key: string) => fetch(`${url}${path}`, { headers: { authorization: `Bearer ${key}` } });

    it('shows the key changes made by the CLI on the store in the audit log', async () => {
      const res = await api('/v1/audit?actor=' + encodeURIComponent(`cli:${userInfo().username}`), secondKey);
      const { records } = (await res.json()) as { records: AuditRecord[] };
      expect(records.map((r) => [r.action, r.target, r.authMethod, r.route])).toEqual([
        ['key_rotated', first, 'cli', 'vigil keys rotate'],
        ['key_created', first, 'cli', 'vigil keys create'],
      ]);
    });

    it('rotates through the API with no grace: the old key answers 401 expired at once', async () => {
      const r = vigil('keys', 'rotate', second, '--grace', '0');
      expect([r.code, r.stderr]).toEqual([0, '']);
      expect(r.stdout).toContain(`through the running Vigil at ${url}`);
      const res = await api('/v1/alerts', secondKey);
      const body = (await res.json()) as { error: { message: string } };
      expect(res.status).toBe(401);
      expect(body.error.message).toMatch(/^API key expired at \S+; it was rotated; use its replacement key$/);
    });
  });
});
