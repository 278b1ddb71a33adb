import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Alert } from '../../libs/contracts/index.js';
import { createTokenizer, parseKey } from '../../libs/privacy/index.js';
import { MALLORY, PROBE_IP, PROBE_KEY } from '../../scripts/scenario.js';

/**
 * The CLI contract, end to end, through the real `vigil` binary (compiled by `npm test`'s build
 * step): replay a recorded Kong log, read alerts, manage keys, run `vigil start` and use its API.
 */
const root = join(import.meta.dirname, '..', '..');
const bin = join(root, 'bin', 'vigil.js');
const fixture = join(root, 'fixtures', 'e2e', 'kong-hospital-morning.log');
const KEY_HEX = 'a1'.repeat(32);
const dataDir = mkdtempSync(join(tmpdir(), 'vigil-e2e-'));
const env = { ...process.env, VIGIL_TOKENIZATION_KEY: KEY_HEX, VIGIL_DATA_DIR: dataDir, VIGIL_LOG_LEVEL: 'warn' };

function vigil(...args: string[]) {
  const r = spawnSync(process.execPath, [bin, ...args], { env, encoding: 'utf8', timeout: 120_000 });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

const fixtureLines = readFileSync(fixture, 'utf8').split('\n').filter((l) => l.trim() !== '').length;
const probePrincipal = `key:${createTokenizer(parseKey(KEY_HEX) as Buffer).fingerprint(PROBE_KEY)}`;

function byPrincipal(alerts: Alert[], principal: string): Alert {
  const a = alerts.find((x) => x.principal === principal);
  if (!a) throw new Error(`no alert for ${principal}: ${JSON.stringify(alerts.map((x) => x.principal))}`);
  return a;
}

describe('vigil CLI end to end', () => {
  let alerts: Alert[] = [];

  beforeAll(() => {
    const r = vigil('replay', fixture);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(new RegExp(`^Replayed 1 file: ${fixtureLines} lines -> ${fixtureLines - 2} events, 2 dead-lettered; 227 findings -> 2 new alerts, 225 alert updates; `));
    const out = vigil('alerts', '--json');
    expect(out.code).toBe(0);
    alerts = JSON.parse(out.stdout) as Alert[];
  });

  it('raises exactly the two enumeration alerts the scenario contains', () => {
    expect(alerts.map((a) => a.principal).sort()).toEqual([probePrincipal, `user:${MALLORY.sub}`].sort());
  });

  it("reports mallory's sequential walk with exact fields", () => {
    const a = byPrincipal(alerts, 'user:mallory');
    expect(a).toMatchObject({
      detector: 'bola/enumeration',
      owasp: 'API1:2023',
      severity: 'high',
      app: 'ehr-web',
      route: '/fhir/Patient/{id}',
      sourceIps: [MALLORY.ip],
      // The 10th id of the walk (08:35:09) completes a run of 10; the last id is read at 08:36:59.
      firstSeen: '2026-11-02T08:35:09.000Z',
      lastSeen: '2026-11-02T08:36:59.000Z',
      // 111 events extend the walk from 10 to 120 ids; ids 21..120 also exceed the distinct-id threshold of 20.
      count: 211,
      status: 'open',
    });
    expect(a.evidence).toMatchObject({ pattern: 'distinct_ids', distinctIds: 120, threshold: 20, resourceType: 'Patient', patterns: { sequential_walk: 111, distinct_ids: 100 } });
    expect(a.summary).toMatch(/^user:mallory read 120 distinct Patient objects within 300s; its baseline is [0-9.]+ per window \(threshold 20\)$/);
  });

  it("reports the partner key's 404 probing of claim ids", () => {
    const a = byPrincipal(alerts, probePrincipal);
    expect(a).toMatchObject({
      detector: 'bola/enumeration',
      owasp: 'API1:2023',
      severity: 'medium',
      app: 'claims-partner',
      route: '/api/v1/claims/{id}',
      sourceIps: [PROBE_IP],
      firstSeen: '2026-11-02T08:12:28.000Z',
      lastSeen: '2026-11-02T08:12:58.000Z',
      count: 16,
      status: 'open',
    });
    expect(a.evidence).toMatchObject({ pattern: 'failure_probing', failedDistinctIds: 30, failures: 30, failureRatio: 1, resourceType: 'claims' });
  });

  it('never shows raw patient ids or credentials in alerts', () => {
    const text = JSON.stringify(alerts);
    // A raw id would stand alone ("20001", /Patient/20001); the same digits inside a hex event id or token are chance.
    for (let id = MALLORY.walkFrom; id < MALLORY.walkFrom + MALLORY.walkLength; id++) expect(text).not.toMatch(new RegExp(`(^|[^0-9a-f])${id}($|[^0-9a-f])`));
    expect(text).not.toContain(PROBE_KEY);
    expect(text).not.toMatch(/eyJ[A-Za-z0-9_-]{10,}/);
  });

  it('changes nothing when the same file is replayed again', () => {
    const r = vigil('replay', fixture);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('-> 0 new alerts, 0 alert updates;');
    const again = JSON.parse(vigil('alerts', '--json').stdout) as Alert[];
    expect(again.map((a) => [a.id, a.count, a.version]).sort()).toEqual(alerts.map((a) => [a.id, a.count, a.version]).sort());
  });

  it('exits 2 with a clear message for a missing file or a bad format', () => {
    expect(vigil('replay', join(dataDir, 'nope.log'))).toMatchObject({ code: 2, stderr: `vigil: cannot read ${join(dataDir, 'nope.log')}: no such file\n` });
    expect(vigil('replay', '--format', 'apache', fixture)).toMatchObject({ code: 2, stderr: 'vigil: --format must be one of auto, kong, nginx, envoy, vigil\n' });
  });

  describe('with vigil start running', () => {
    let server: ChildProcess;
    let url = '';
    let viewer = '';
    let analyst = '';

    beforeAll(async () => {
      viewer = vigil('keys', 'create', '--role', 'viewer').stdout.trim().split('\n').pop() as string;
      analyst = vigil('keys', 'create', '--role', 'analyst', '--label', 'kong gateway').stdout.trim().split('\n').pop() as string;
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

    const api = (path: string, key?: string, init: RequestInit = {}) =>
      fetch(`${url}${path}`, { ...init, headers: { ...(key ? { authorization: `Bearer ${key}` } : {}), ...(init.headers as Record<string, string>) } });

    it('prints new keys as the last line of stdout', () => {
      expect(viewer).toMatch(/^vgl_[A-Za-z0-9_-]{43}$/);
      expect(analyst).toMatch(/^vgl_[A-Za-z0-9_-]{43}$/);
    });

    it('answers alerts --json and keys through the running API', () => {
      const out = vigil('alerts', '--json');
      expect(out.code).toBe(0);
      // Straight to the API: the embedded engine is never opened, so it prints no lock error.
      expect(out.stderr).toBe('');
      expect((JSON.parse(out.stdout) as Alert[]).map((a) => a.id).sort()).toEqual(alerts.map((a) => a.id).sort());
      const listed = vigil('keys', 'list', '--json');
      expect(listed.code).toBe(0);
      expect((JSON.parse(listed.stdout) as { role: string }[]).map((k) => k.role).sort()).toEqual(['analyst', 'viewer']);
    });

    it('refuses replay clearly while the data directory is in use', () => {
      const r = vigil('replay', fixture);
      expect(r.code).toBe(1);
      expect(r.stderr).toContain(`${dataDir} is used by a running vigil start`);
      expect(r.stderr).toContain(`${url}/v1/ingest`);
      expect(r.stderr).not.toContain('DB::Exception');
    });

    it('requires a key, and a role that may act', async () => {
      expect((await api('/v1/alerts')).status).toBe(401);
      expect((await api('/v1/alerts', 'vgl_not-a-key')).status).toBe(401);
      const id = byPrincipal(alerts, 'user:mallory').id;
      const patch = { method: 'PATCH', body: JSON.stringify({ status: 'acknowledged', note: 'calling her manager' }), headers: { 'content-type': 'application/json' } };
      expect((await api(`/v1/alerts/${id}`, viewer, patch)).status).toBe(403);
      const ok = await api(`/v1/alerts/${id}`, analyst, patch);
      expect(ok.status).toBe(200);
      const got = (await (await api(`/v1/alerts/${id}`, analyst)).json()) as { alert: Alert; sampleEvents: { principal: string; route: string }[] };
      expect(got.alert).toMatchObject({ status: 'acknowledged', note: 'calling her manager', count: 211 });
      expect(got.sampleEvents.length).toBe(10);
      expect(new Set(got.sampleEvents.map((e) => `${e.principal} ${e.route}`))).toEqual(new Set(['user:mallory /fhir/Patient/{id}']));
    });

    it('ingests what Kong http-log POSTs and stores it before answering', async () => {
      const batch = readFileSync(fixture, 'utf8').split('\n').slice(0, 3).map((l) => JSON.parse(l) as unknown);
      const r = await api('/v1/ingest', analyst, { method: 'POST', body: JSON.stringify(batch), headers: { 'content-type': 'application/json' } });
      expect(r.status).toBe(202);
      expect(await r.json()).toEqual({ accepted: 3, deadLettered: 0, duplicates: 0 });
    });

    it('stops cleanly on SIGTERM and removes its run files', async () => {
      const exited = new Promise<number | null>((r) => server.once('exit', r));
      server.kill('SIGTERM');
      expect(await exited).toBe(0);
      expect(existsSync(join(dataDir, 'run'))).toBe(false);
    });
  });
});
