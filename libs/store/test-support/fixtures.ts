import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Alert, NormalizedEvent } from '../../contracts/index.js';
import { createLogger, type Logger } from '../../log/index.js';
import type { StoreConfig } from '../index.js';
import { testClickHouseUrl, testDatabase, testEngine } from './engine.js';

export const silentLogger: Logger = createLogger({ level: 'silent' });

export async function tempDataDir(label: string): Promise<string> {
  return mkdtemp(join(tmpdir(), `vigil-store-${label}-`));
}

/** Call after the store on it is closed. */
export async function removeDataDir(dir: string): Promise<void> {
  await rm(dir, { recursive: true, force: true });
}

/**
 * The store config of a test: embedded chDB in `dataDir`, or, in the "clickhouse-server" vitest
 * project, the test ClickHouse server (CLICKHOUSE_URL mode) with a database of this file's own.
 */
export function storeConfig(dataDir: string, database: string): StoreConfig {
  const clickhouse =
    testEngine() === 'server'
      ? { url: testClickHouseUrl(), user: 'default', password: '', database: testDatabase(database) }
      : { user: 'default', password: '', database };
  return { clickhouse, dataDir, retentionDays: 30 };
}

/**
 * A fixed hour two days back: recent enough that the 30-day TTL never drops test rows during a
 * merge, whole-hour aligned so timeline buckets are predictable.
 */
export const BASE_MS = Math.floor(Date.now() / 3_600_000) * 3_600_000 - 2 * 86_400_000;

export function makeEvent(n: number, over: Partial<NormalizedEvent> = {}): NormalizedEvent {
  return {
    eventId: `ev-${String(n).padStart(4, '0')}`,
    ts: BASE_MS + n * 1000,
    source: 'file:/var/log/kong.json',
    method: 'GET',
    host: 'fhir.example.org',
    service: 'fhir-api',
    route: '/fhir/Patient/{id}',
    pathTokenized: `/fhir/Patient/tok_${n}`,
    queryKeys: ['_format'],
    status: 200,
    requestBytes: 120,
    responseBytes: 2048,
    latencyMs: 12.5,
    clientIp: '10.0.0.1',
    userAgent: 'curl/8.5.0',
    principal: {
      id: 'user:alice',
      kind: 'user',
      app: 'app:portal',
      issuer: 'https://idp.example.org',
      scopes: ['patient/*.read'],
      authScheme: 'bearer',
      credentialFingerprint: 'fp_abc',
    },
    objects: [{ type: 'Patient', id: `tok_${n}`, via: 'path', created: false, seq: 900_000 + n }],
    ...over,
  };
}

export function makeAlert(id: string, over: Partial<Alert> = {}): Alert {
  return {
    id,
    detector: 'bola.enumeration',
    owasp: 'API1:2023',
    severity: 'high',
    principal: 'user:alice',
    route: '/fhir/Patient/{id}',
    sourceIps: ['10.0.0.1'],
    firstSeen: '2026-03-01T10:00:00.000Z',
    lastSeen: '2026-03-01T10:05:00.000Z',
    count: 1,
    status: 'open',
    summary: 'user:alice read 40 distinct Patient ids in 5 minutes',
    evidence: { distinct: 40, baseline: 3 },
    confidence: 0.8,
    sampleEventIds: ['ev-0001'],
    version: 1,
    updatedAt: '2026-03-01T10:05:01.000Z',
    ...over,
  };
}

/** The error a statement that must fail was rejected with; throws if it succeeded. */
export async function failureOf(p: Promise<unknown>): Promise<unknown> {
  try {
    await p;
  } catch (err) {
    return err;
  }
  throw new Error('expected the statement to fail');
}
