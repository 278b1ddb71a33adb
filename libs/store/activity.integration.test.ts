import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { NormalizedEvent } from '../contracts/index.js';
import { createStore } from './index.js';
import { BASE_MS, makeEvent, removeDataDir, silentLogger, storeConfig, tempDataDir } from './test-support/fixtures.js';
import type { Store } from './types.js';

const HOUR = 3_600_000;
const iso = (ms: number): string => new Date(ms).toISOString();

let store: Store;
let dataDir: string;

// alice: five events over four hours, plus one eight days earlier (outside the 7-day timeline).
const alice = (n: number, at: number, over: Partial<NormalizedEvent> = {}): NormalizedEvent =>
  makeEvent(n, { ts: at, ...over });
const patient = (id: string, via: 'path' | 'query' = 'path') => ({ type: 'Patient', id, via, created: false });
const observation = (id: string, created = false) => ({ type: 'Observation', id, via: 'path' as const, created });

const events: NormalizedEvent[] = [
  alice(1, BASE_MS, { objects: [patient('tok_a')] }),
  alice(2, BASE_MS + 60_000, { objects: [patient('tok_b')] }),
  alice(3, BASE_MS + HOUR + 10_000, { status: 404, clientIp: '10.0.0.2', userAgent: 'Mozilla/5.0', objects: [patient('tok_a')] }),
  alice(4, BASE_MS + 3 * HOUR, {
    route: '/fhir/Observation',
    objects: [observation('tok_o1'), observation('tok_o2'), patient('tok_a', 'query')],
  }),
  alice(5, BASE_MS + 3 * HOUR + 5000, {
    method: 'POST',
    route: '/fhir/Observation',
    status: 201,
    userAgent: '',
    principal: { ...makeEvent(0).principal, app: 'app:mobile' },
    objects: [observation('tok_o3', true)],
  }),
  alice(6, BASE_MS - 8 * 24 * HOUR, { status: 500, clientIp: '10.0.0.3', objects: [patient('tok_c')] }),
  makeEvent(7, {
    ts: BASE_MS + 2 * HOUR,
    principal: { id: 'user:bob', kind: 'user', scopes: [], authScheme: 'bearer' },
    objects: [patient('tok_z')],
  }),
  makeEvent(8, {
    ts: BASE_MS + HOUR / 2,
    method: 'DELETE',
    host: 'admin.example.org',
    service: 'admin-api',
    route: '/admin/users',
    status: 403,
    principal: { id: 'apikey:fp_k1', kind: 'apikey', scopes: [], authScheme: 'apikey' },
    objects: [],
  }),
];

beforeAll(async () => {
  dataDir = await tempDataDir('activity');
  store = await createStore(storeConfig(dataDir, 'activity_test'), { logger: silentLogger });
  // Written twice: every figure below must count each event once.
  await store.insertEvents(events);
  await store.insertEvents(events);
});

afterAll(async () => {
  await store.close();
  await removeDataDir(dataDir);
});

describe('principal summary', () => {
  it('describes a principal from its events, counting replays once', async () => {
    const s = await store.principalSummary('user:alice', { recent: 2 });
    expect(s).toBeDefined();
    const { recentEvents, ...rest } = s!;
    expect(rest).toEqual({
      principal: 'user:alice',
      kinds: ['user'],
      apps: ['app:mobile', 'app:portal'],
      events: 6,
      firstSeen: iso(BASE_MS - 8 * 24 * HOUR),
      lastSeen: iso(BASE_MS + 3 * HOUR + 5000),
      sourceIps: ['10.0.0.1', '10.0.0.2', '10.0.0.3'],
      userAgents: ['curl/8.5.0', 'Mozilla/5.0'],
      statusMix: { '2xx': 4, '4xx': 1, '5xx': 1 },
      routes: [
        { method: 'GET', route: '/fhir/Patient/{id}', count: 4 },
        { method: 'GET', route: '/fhir/Observation', count: 1 },
        { method: 'POST', route: '/fhir/Observation', count: 1 },
      ],
      distinctObjects: [
        { type: 'Observation', count: 3 },
        { type: 'Patient', count: 3 },
      ],
      // The event eight days back is outside the window; the empty hour in between is explicit.
      timeline: [
        { hour: iso(BASE_MS), events: 2, errors: 0, distinctObjects: 2 },
        { hour: iso(BASE_MS + HOUR), events: 1, errors: 1, distinctObjects: 1 },
        { hour: iso(BASE_MS + 2 * HOUR), events: 0, errors: 0, distinctObjects: 0 },
        // Observation tok_o1..o3 plus Patient tok_a (seen in hour 0 too: counted again per hour).
        { hour: iso(BASE_MS + 3 * HOUR), events: 2, errors: 0, distinctObjects: 4 },
      ],
    });
    expect(recentEvents.map((e) => e.eventId)).toEqual(['ev-0005', 'ev-0004']);
    expect(recentEvents[0]).toMatchObject({ method: 'POST', status: 201, app: 'app:mobile', userAgent: '' });
  });

  it('is undefined for a principal with no events', async () => {
    expect(await store.principalSummary('user:nobody', { recent: 5 })).toBeUndefined();
  });
});
