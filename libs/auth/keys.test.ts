import { describe, expect, it } from 'vitest';
import type { ApiKeyRecord } from '../contracts/index.js';
import { createKeyService, hashApiKey, type KeyStore } from './keys.js';

/** In-memory key table that counts lookups, so tests can tell cache hits from store reads. */
function fakeKeyStore(): KeyStore & { rows: ApiKeyRecord[]; lookups: number } {
  const rows: ApiKeyRecord[] = [];
  return {
    rows,
    lookups: 0,
    createApiKey(rec) {
      rows.push({ ...rec });
      return Promise.resolve();
    },
    listApiKeys() {
      return Promise.resolve(rows.map((r) => ({ ...r })));
    },
    findApiKeyByHash(hash) {
      this.lookups += 1;
      return Promise.resolve(rows.find((r) => r.hash === hash));
    },
    revokeApiKey(id, at) {
      const row = rows.find((r) => r.id === id && r.revokedAt === undefined);
      if (row) row.revokedAt = at;
      return Promise.resolve(row !== undefined);
    },
  };
}

function clock(start: string): { now: () => Date; advance: (ms: number) => void } {
  let t = Date.parse(start);
  return { now: () => new Date(t), advance: (ms) => (t += ms) };
}

describe('createKeyService', () => {
  it('stores the SHA-256 hash and a 12-character prefix, never the key itself', async () => {
    const store = fakeKeyStore();
    const keys = createKeyService({ store, now: clock('2026-11-01T10:00:00.000Z').now });
    const { key, record } = await keys.create('analyst', 'kong gateway');

    expect(key).toMatch(/^vgl_[A-Za-z0-9_-]{43}$/);
    expect(record.id).toMatch(/^[0-9a-f]{16}$/);
    expect(store.rows).toEqual([
      {
        id: record.id,
        prefix: key.slice(0, 12),
        hash: hashApiKey(key),
        role: 'analyst',
        createdAt: '2026-11-01T10:00:00.000Z',
        label: 'kong gateway',
      },
    ]);
    expect(JSON.stringify(store.rows)).not.toContain(key);
    expect(store.rows[0]?.hash).toMatch(/^[0-9a-f]{64}$/);
  });

  it('authenticates a created key with its id and role, and rejects unknown or malformed keys', async () => {
    const store = fakeKeyStore();
    const keys = createKeyService({ store });
    const { key, record } = await keys.create('viewer');

    expect(await keys.authenticate(key)).toEqual({ keyId: record.id, role: 'viewer' });
    expect(await keys.authenticate(`${key}x`)).toBeUndefined();
    expect(await keys.authenticate('vgl_short')).toBeUndefined();
    expect(await keys.authenticate('not-a-vigil-key-at-all-but-long')).toBeUndefined();
    // The two malformed keys never reached the store; the unknown well-formed one did.
    expect(store.lookups).toBe(2);
  });

  it('serves repeat authentications from the cache until the TTL runs out', async () => {
    const store = fakeKeyStore();
    const c = clock('2026-11-01T10:00:00.000Z');
    const keys = createKeyService({ store, now: c.now });
    const { key } = await keys.create('admin');

    await keys.authenticate(key);
    await keys.authenticate(key);
    expect(store.lookups).toBe(1);
    c.advance(30_001);
    await keys.authenticate(key);
    expect(store.lookups).toBe(2);
  });

  it('stops accepting a key as soon as it is revoked through the service, despite the cache', async () => {
    const store = fakeKeyStore();
    const c = clock('2026-11-01T10:00:00.000Z');
    const keys = createKeyService({ store, now: c.now });
    const { key, record } = await keys.create('analyst');
    expect(await keys.authenticate(key)).toEqual({ keyId: record.id, role: 'analyst' });

    c.advance(1_000);
    expect(await keys.revoke(record.id)).toBe(true);
    expect(await keys.authenticate(key)).toBeUndefined();
    expect(store.rows[0]?.revokedAt).toBe('2026-11-01T10:00:01.000Z');
    expect(await keys.revoke(record.id)).toBe(false);
    expect(await keys.revoke('0000000000000000')).toBe(false);
  });

  it('honours a revocation written by another process once the cache entry expires', async () => {
    const store = fakeKeyStore();
    const c = clock('2026-11-01T10:00:00.000Z');
    const keys = createKeyService({ store, now: c.now });
    const { key, record } = await keys.create('analyst');
    await keys.authenticate(key);

    await store.revokeApiKey(record.id, '2026-11-01T10:00:05.000Z');
    expect(await keys.authenticate(key)).toEqual({ keyId: record.id, role: 'analyst' });
    c.advance(30_001);
    expect(await keys.authenticate(key)).toBeUndefined();
  });

  it('accepts an ephemeral key without storing or listing it', async () => {
    const store = fakeKeyStore();
    const keys = createKeyService({ store });
    const key = 'vgl_local-cli-key-0123456789abcdef';
    keys.addEphemeralKey(key, 'admin');

    const auth = await keys.authenticate(key);
    expect(auth).toEqual({ keyId: `ephemeral:${hashApiKey(key).slice(0, 12)}`, role: 'admin' });
    expect(store.rows).toEqual([]);
    expect(await keys.list()).toEqual([]);
    expect(store.lookups).toBe(0);
  });

  it('refuses an ephemeral key that does not look like a Vigil key', () => {
    const keys = createKeyService({ store: fakeKeyStore() });
    expect(() => keys.addEphemeralKey('hunter2', 'admin')).toThrow(/must start with vgl_/);
  });
});
