import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { VigilError } from '../errors/index.js';
import { openDb, type Db } from './db.js';
import { createEventRowBuffer, EVENT_COLUMNS } from './event-rows.js';
import { createStore } from './index.js';
import { BASE_MS, makeEvent, removeDataDir, silentLogger, storeConfig, tempDataDir } from './test-support/fixtures.js';
import type { Store } from './types.js';

let dataDir: string;
let store: Store;
let raw: Db;

beforeAll(async () => {
  dataDir = await tempDataDir('events');
  store = await createStore(storeConfig(dataDir, 'events_test'), { logger: silentLogger });
  raw = await openDb(storeConfig(dataDir, 'events_test'), silentLogger);
});

afterAll(async () => {
  await raw.close();
  await store.close();
  await removeDataDir(dataDir);
});

describe('events', () => {
  const batch = [1, 2, 3, 4, 5].map((n) => makeEvent(n));

  it('count a replayed batch once: the same event ids merge away', async () => {
    // Merges stopped so the duplicates are certainly still on disk: FINAL alone must hide them.
    await raw.command('SYSTEM STOP MERGES {db}.events');
    await store.insertEvents(batch);
    await store.insertEvents(batch);
    const [plain] = await raw.query<{ n: number | string }>('SELECT count() AS n FROM {db}.events');
    expect(Number(plain?.n)).toBe(10);
    expect(await store.countEvents()).toBe(5);
    await raw.command('SYSTEM START MERGES {db}.events');
  });

  it('name every column of the table for the positional rows the writer sends', async () => {
    // A column added by a migration but not to EVENT_COLUMNS would be left at its default on every row.
    const columns = await raw.query<{ name: string }>(
      "SELECT name FROM system.columns WHERE database = {database:String} AND table = 'events' ORDER BY position",
      { database: raw.database },
    );
    expect(columns.map((c) => c.name).sort()).toEqual([...EVENT_COLUMNS].sort());
  });

  it('never store the in-memory seq of an object reference', async () => {
    const columns = await raw.query<{ name: string }>(
      "SELECT name FROM system.columns WHERE database = {database:String} AND table = 'events' ORDER BY position",
      { database: raw.database },
    );
    expect(columns.map((c) => c.name)).toContain('object_ids');
    expect(columns.map((c) => c.name).filter((n) => n.includes('seq'))).toEqual([]);
    const rows = await raw.query<Record<string, unknown>>("SELECT * FROM {db}.events FINAL WHERE event_id = 'ev-0003'");
    expect(rows).toHaveLength(1);
    expect(JSON.stringify(rows[0])).not.toContain('900003');
    expect(rows[0]).toMatchObject({ object_types: ['Patient'], object_ids: ['tok_3'], object_via: ['path'], object_created: [0] });
  });

  it('give back stored events by id, oldest first, with ISO times and no seq', async () => {
    const created = makeEvent(9, {
      method: 'POST',
      status: 201,
      principal: { id: 'app:batch', kind: 'app', scopes: [], authScheme: 'apikey' },
      objects: [
        { type: 'Observation', id: 'tok_obs', via: 'location', created: true, seq: 77 },
        { type: 'Patient', id: 'tok_p', via: 'reference', created: false },
      ],
    });
    await store.insertEvents([created]);
    const got = await store.getEvents(['ev-0009', 'ev-0002', 'ev-0002', 'missing']);
    expect(got).toEqual([
      {
        eventId: 'ev-0002',
        time: new Date(BASE_MS + 2000).toISOString(),
        source: 'file:/var/log/kong.json',
        method: 'GET',
        host: 'fhir.example.org',
        service: 'fhir-api',
        route: '/fhir/Patient/{id}',
        pathTokenized: '/fhir/Patient/tok_2',
        status: 200,
        requestBytes: 120,
        responseBytes: 2048,
        latencyMs: 12.5,
        clientIp: '10.0.0.1',
        userAgent: 'curl/8.5.0',
        principal: 'user:alice',
        principalKind: 'user',
        app: 'app:portal',
        authScheme: 'bearer',
        objects: [{ type: 'Patient', id: 'tok_2', via: 'path', created: false }],
      },
      {
        eventId: 'ev-0009',
        time: new Date(BASE_MS + 9000).toISOString(),
        source: 'file:/var/log/kong.json',
        method: 'POST',
        host: 'fhir.example.org',
        service: 'fhir-api',
        route: '/fhir/Patient/{id}',
        pathTokenized: '/fhir/Patient/tok_9',
        status: 201,
        requestBytes: 120,
        responseBytes: 2048,
        latencyMs: 12.5,
        clientIp: '10.0.0.1',
        userAgent: 'curl/8.5.0',
        principal: 'app:batch',
        principalKind: 'app',
        app: '',
        authScheme: 'apikey',
        objects: [
          { type: 'Observation', id: 'tok_obs', via: 'location', created: true },
          { type: 'Patient', id: 'tok_p', via: 'reference', created: false },
        ],
      },
    ]);
    expect(await store.getEvents([])).toEqual([]);
  });

  it('write every column from its own field', async () => {
    const full = makeEvent(11, {
      queryKeys: ['_count', 'patient'],
      principal: {
        id: 'user:carol',
        kind: 'user',
        app: 'app:ehr',
        issuer: 'https://idp.example.org',
        scopes: ['user/*.read', 'openid'],
        patient: 'tok_pat',
        fhirUser: 'Practitioner/tok_pr',
        authScheme: 'bearer',
        credentialFingerprint: 'fp_carol',
      },
      phi: { categories: ['fhir-resource', 'mrn'], resourceTypes: ['Patient'], in: ['response'] },
    });
    await store.insertEvents([full]);
    const rows = await raw.query<Record<string, unknown>>(
      `SELECT toUnixTimestamp64Milli(ts) AS ts_ms, query_keys, status, latency_ms, principal, principal_kind, app, issuer, scopes,
         patient, fhir_user, auth_scheme, credential_fingerprint, phi_seen, phi_categories, phi_resource_types, phi_in
       FROM {db}.events FINAL WHERE event_id = 'ev-0011'`,
    );
    // A 64-bit integer is a JSON number or a string depending on the engine's settings.
    expect(rows.map((r) => ({ ...r, ts_ms: Number(r.ts_ms) }))).toEqual([
      {
        ts_ms: BASE_MS + 11_000,
        query_keys: ['_count', 'patient'],
        status: 200,
        latency_ms: 12.5,
        principal: 'user:carol',
        principal_kind: 'user',
        app: 'app:ehr',
        issuer: 'https://idp.example.org',
        scopes: ['user/*.read', 'openid'],
        patient: 'tok_pat',
        fhir_user: 'Practitioner/tok_pr',
        auth_scheme: 'bearer',
        credential_fingerprint: 'fp_carol',
        phi_seen: 1,
        phi_categories: ['fhir-resource', 'mrn'],
        phi_resource_types: ['Patient'],
        phi_in: ['response'],
      },
    ]);
  });

  it('store rows encoded into several chunks as one insert, non-ASCII text intact', async () => {
    // 1 KB chunks: about one row each, so the insert's body is put together from many buffers.
    const rows = createEventRowBuffer({ chunkBytes: 1024 });
    const names = ['Zoë', '患者', 'Ærø 🩺', 'plain'];
    names.forEach((ua, i) => rows.add(makeEvent(21 + i, { userAgent: ua })));
    const [insert, ...more] = rows.take();
    expect(more).toEqual([]);
    expect(insert?.rows).toBe(4);
    expect(insert?.chunks.length).toBe(4);
    await store.insertEventRows(insert!);
    const got = await raw.query<{ event_id: string; user_agent: string }>(
      "SELECT event_id, user_agent FROM {db}.events FINAL WHERE event_id IN ('ev-0021', 'ev-0022', 'ev-0023', 'ev-0024') ORDER BY event_id",
    );
    expect(got).toEqual(names.map((ua, i) => ({ event_id: `ev-00${21 + i}`, user_agent: ua })));
  });

  it('reject an insert the engine cannot parse, naming why, and keep working', async () => {
    const bad = { rows: 1, chunks: [Buffer.from('["ev-bad", "not a time"]\n')] };
    const err = await store.insertEventRows(bad).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(VigilError);
    expect((err as VigilError).code).toBe('store_failed');
    // The server's client drops the "Code: N. DB::Exception:" head the embedded engine keeps.
    expect((err as VigilError).message).toMatch(/^store failed during insert into events: (Code: \d+\. DB::Exception: )?Cannot read DateTime: /);
    const [n] = await raw.query<{ n: number | string }>("SELECT count() AS n FROM {db}.events WHERE event_id = 'ev-bad'");
    expect(Number(n?.n)).toBe(0);
    expect(await store.ping()).toBe(true);
  });

  it('answer ping while open', async () => {
    expect(await store.ping()).toBe(true);
  });
});
