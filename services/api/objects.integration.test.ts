import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseLine } from '../../libs/adapters/index.js';
import { loadConfig } from '../../libs/config/index.js';
import { createKeyring, type Keyring } from '../../libs/privacy/index.js';
import { createRouteTemplater } from '../../libs/routes/index.js';
import { createNormalizer, eventIdFor } from '../ingest/normalize.js';
import { startHarness, type Harness } from './test-support/harness.js';

const OLD_KEY = Buffer.alloc(32, 1);
const NEW_KEY = Buffer.alloc(32, 2);
/** The raw patient id standing alone; the same digits inside a hex token or a request UUID are chance. */
const RAW_ID = /(^|[^0-9a-f-])10234($|[^0-9a-f-])/;

/** One native-format line: `user` reads `path` at `time`. */
function line(user: string, path: string, time: string, status = 200): string {
  return JSON.stringify({ time, method: 'GET', scheme: 'https', host: 'fhir.example.org', path, status, clientIp: '10.1.2.3', requestHeaders: { 'x-user-id': user } });
}

/** Normalizes lines the way the pipeline does, with the tokenization key of that time. */
function normalized(key: Buffer, lines: string[]) {
  const normalize = createNormalizer(loadConfig({ env: {} }), { tokenizer: createKeyring(key, []).current, templater: createRouteTemplater() });
  return lines.flatMap((l) => {
    const out = parseLine(l, 'vigil');
    if (out.kind !== 'ok') throw new Error(`fixture line rejected: ${JSON.stringify(out)}`);
    return out.events.map((ev) => normalize(ev, { eventId: eventIdFor(l, 0), source: 'vigil' }));
  });
}

describe('GET /v1/objects/{type}/{id}/access', () => {
  let h: Harness;
  // The keyring the API sees; tests switch it to show what rotation changes.
  let keyring: Keyring = createKeyring(NEW_KEY, [OLD_KEY]);

  beforeAll(async () => {
    h = await startHarness('objects', { keyring: { tokens: (type, raw) => keyring.tokens(type, raw) } });
    // Before the rotation alice read patient 10234 twice; after it bob read it once (and got a 403 once).
    await h.store.insertEvents([
      ...normalized(OLD_KEY, [line('alice', '/fhir/Patient/10234', '2026-11-02T08:00:00.000Z'), line('alice', '/fhir/Patient/10234', '2026-11-02T08:05:00.000Z')]),
      ...normalized(NEW_KEY, [
        line('bob', '/fhir/Patient/10234', '2026-11-03T09:00:00.000Z'),
        line('bob', '/fhir/Patient/10234', '2026-11-03T09:01:00.000Z', 403),
        line('bob', '/fhir/Patient/777', '2026-11-03T09:02:00.000Z'),
      ]),
    ]);
  });
  afterAll(async () => {
    await h.close();
  });

  it('finds the readers of a raw patient id under the current and the previous tokenization key', async () => {
    const res = await h.call('/v1/objects/Patient/10234/access');
    expect(res.status).toBe(200);
    const body = (await res.json()) as { type: string; tokens: string[]; principals: unknown[]; recentEvents: { time: string; principal: string }[] };
    expect(body.type).toBe('Patient');
    expect(body.tokens).toEqual([keyring.current.token('Patient', '10234'), createKeyring(OLD_KEY, []).current.token('Patient', '10234')]);
    expect(body.principals).toEqual([
      { principal: 'user:alice', events: 2, failures: 0, firstSeen: '2026-11-02T08:00:00.000Z', lastSeen: '2026-11-02T08:05:00.000Z', apps: [] },
      { principal: 'user:bob', events: 2, failures: 1, firstSeen: '2026-11-03T09:00:00.000Z', lastSeen: '2026-11-03T09:01:00.000Z', apps: [] },
    ]);
    expect(body.recentEvents.map((e) => [e.principal, e.time])).toEqual([
      ['user:bob', '2026-11-03T09:01:00.000Z'],
      ['user:bob', '2026-11-03T09:00:00.000Z'],
      ['user:alice', '2026-11-02T08:05:00.000Z'],
      ['user:alice', '2026-11-02T08:00:00.000Z'],
    ]);
    expect(JSON.stringify(body)).not.toMatch(RAW_ID);
  });

  it('finds only the events of the current key once the previous key is dropped', async () => {
    keyring = createKeyring(NEW_KEY, []);
    const body = (await (await h.call('/v1/objects/Patient/10234/access')).json()) as { tokens: string[]; principals: { principal: string }[] };
    expect(body.tokens).toHaveLength(1);
    expect(body.principals.map((p) => p.principal)).toEqual(['user:bob']);
  });

  it('is for admins only, and records the lookup in the audit trail with the id tokenized', async () => {
    expect((await h.call('/v1/objects/Patient/10234/access', { as: 'analyst' })).status).toBe(403);
    expect((await h.call('/v1/objects/Patient/10234/access', { as: null })).status).toBe(401);
    await h.audit.flush();
    const { records } = await h.store.listAuditRecords({ route: '/v1/objects/{type}/{id}/access', limit: 100 });
    expect(records.map((r) => r.status).sort()).toEqual([200, 200, 401, 403]);
    expect(JSON.stringify(records)).not.toMatch(RAW_ID);
  });
});
