import { describe, expect, it } from 'vitest';
import type { ApiKeyRecord } from '../contracts/index.js';
import { Writable } from 'node:stream';
import { createLogger } from '../log/index.js';
import { createKeyService, hashApiKey, type KeyStore } from './keys.js';

/** In-memory key table that counts lookups, so tests can tell cache hits from store reads. */
function fakeKeyStore(): KeyStore & { rows: ApiKeyRecord[]; lookups: number; uses: { id: string; at: string }[]; failUses: boolean } {
  const rows: ApiKeyRecord[] = [];
  return {
    rows,
    lookups: 0,
    uses: [],
    failUses: false,
    rotateApiKey(id, next, oldExpiresAt) {
      const old = rows.find((r) => r.id === id && r.revokedAt === undefined);
      if (!old) return Promise.resolve(undefined);
      rows.push({ ...next });
      old.expiresAt = old.expiresAt !== undefined && old.expiresAt < oldExpiresAt ? old.expiresAt : oldExpiresAt;
      old.replacedBy = next.id;
      return Promise.resolve({ ...old });
    },
    recordApiKeyUse(uses) {
      if (this.failUses) return Promise.reject(new Error('store down'));
      this.uses.push(...uses);
      return Promise.resolve();
    },
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

    expect(await keys.authenticate(key)).toEqual({ keyId: record.id, role: 'viewer', method: 'api_key' });
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
    expect(await keys.authenticate(key)).toEqual({ keyId: record.id, role: 'analyst', method: 'api_key' });

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
    expect(await keys.authenticate(key)).toEqual({ keyId: record.id, role: 'analyst', method: 'api_key' });
    c.advance(30_001);
    expect(await keys.authenticate(key)).toBeUndefined();
  });

  it('accepts an ephemeral key without storing or listing it', async () => {
    const store = fakeKeyStore();
    const keys = createKeyService({ store });
    const key = 'vgl_local-cli-key-0123456789abcdef';
    keys.addEphemeralKey(key, 'admin');

    const auth = await keys.authenticate(key);
    expect(auth).toEqual({ keyId: `ephemeral:${hashApiKey(key).slice(0, 12)}`, role: 'admin', method: 'ephemeral' });
    expect(store.rows).toEqual([]);
    expect(await keys.list()).toEqual([]);
    expect(store.lookups).toBe(0);
  });

  it('refuses an ephemeral key that does not look like a Vigil key', () => {
    const keys = createKeyService({ store: fakeKeyStore() });
    expect(() => keys.addEphemeralKey('hunter2', 'admin')).toThrow(/must start with vgl_/);
  });
});

describe('key expiry, rotation and last use', () => {
  it('refuses a key from its expiry on, naming the time, even while it is cached', async () => {
    const store = fakeKeyStore();
    const c = clock('2026-11-01T10:00:00.000Z');
    const keys = createKeyService({ store, now: c.now });
    const { key, record } = await keys.create('viewer', undefined, { expiresAt: '2026-11-01T10:00:10.000Z' });
    expect(record.expiresAt).toBe('2026-11-01T10:00:10.000Z');
    expect(await keys.check(key)).toEqual({ ok: true, auth: { keyId: record.id, role: 'viewer', method: 'api_key' } });

    c.advance(10_000);
    expect(await keys.check(key)).toEqual({ ok: false, reason: 'expired', keyId: record.id, expiredAt: '2026-11-01T10:00:10.000Z' });
    expect(store.lookups).toBe(1);
  });

  it('refuses to create a key that is already expired', async () => {
    const keys = createKeyService({ store: fakeKeyStore(), now: clock('2026-11-01T10:00:00.000Z').now });
    await expect(keys.create('viewer', undefined, { expiresAt: '2026-11-01T09:59:59.000Z' })).rejects.toThrow(/not in the future/);
  });

  it('rotates: the new key has the same role and label, the old one works until the grace period ends', async () => {
    const store = fakeKeyStore();
    const c = clock('2026-11-01T10:00:00.000Z');
    const keys = createKeyService({ store, now: c.now });
    const old = await keys.create('analyst', 'kong prod');
    await keys.authenticate(old.key);

    const r = await keys.rotate(old.record.id, { graceSeconds: 3600 });
    expect(r?.record).toEqual({
      id: r?.record.id,
      prefix: r?.key.slice(0, 12),
      hash: hashApiKey(r?.key ?? ''),
      role: 'analyst',
      label: 'kong prod',
      createdAt: '2026-11-01T10:00:00.000Z',
      rotatedFrom: old.record.id,
    });
    expect(r?.previous.expiresAt).toBe('2026-11-01T11:00:00.000Z');
    expect(r?.previous.replacedBy).toBe(r?.record.id);

    c.advance(3_599_999);
    expect((await keys.check(old.key)).ok).toBe(true);
    c.advance(1);
    expect(await keys.check(old.key)).toEqual({
      ok: false,
      reason: 'expired',
      keyId: old.record.id,
      expiredAt: '2026-11-01T11:00:00.000Z',
      replacedBy: r?.record.id,
    });
    expect(await keys.authenticate(r?.key ?? '')).toEqual({ keyId: r?.record.id, role: 'analyst', method: 'api_key' });
    expect(await keys.rotate('0000000000000000')).toBeUndefined();
  });

  it('rotates with a 24 hour grace period by default', async () => {
    const store = fakeKeyStore();
    const keys = createKeyService({ store, now: clock('2026-11-01T10:00:00.000Z').now });
    const old = await keys.create('viewer');
    expect((await keys.rotate(old.record.id))?.previous.expiresAt).toBe('2026-11-02T10:00:00.000Z');
  });

  it('writes last use at most once a minute per key', async () => {
    const store = fakeKeyStore();
    const c = clock('2026-11-01T10:00:00.000Z');
    const keys = createKeyService({ store, now: c.now });
    const a = await keys.create('viewer');
    const b = await keys.create('viewer');
    await keys.authenticate(a.key);
    await keys.authenticate(b.key);
    c.advance(59_999);
    await keys.authenticate(a.key);
    c.advance(1);
    await keys.authenticate(a.key);
    await keys.flush();
    expect(store.uses).toEqual([
      { id: a.record.id, at: '2026-11-01T10:00:00.000Z' },
      { id: b.record.id, at: '2026-11-01T10:00:00.000Z' },
      { id: a.record.id, at: '2026-11-01T10:01:00.000Z' },
    ]);
  });

  it('logs a failed last-use write and writes again on the next use', async () => {
    const store = fakeKeyStore();
    const lines: string[] = [];
    const logger = createLogger({ level: 'info' }, new Writable({ write: (chunk: Buffer, _e, cb) => (lines.push(chunk.toString()), cb()) }));
    const c = clock('2026-11-01T10:00:00.000Z');
    const keys = createKeyService({ store, now: c.now, logger });
    const { key, record } = await keys.create('viewer');
    store.failUses = true;
    await keys.authenticate(key);
    await keys.flush();
    store.failUses = false;
    c.advance(1_000);
    await keys.authenticate(key);
    await keys.flush();

    expect(store.uses).toEqual([{ id: record.id, at: '2026-11-01T10:00:01.000Z' }]);
    const logged = lines.map((l) => JSON.parse(l) as { msg: string; key_id: string; level: number });
    expect(logged.map((l) => [l.msg, l.key_id, l.level])).toEqual([['api_key_last_used_write_failed', record.id, 50]]);
  });
});
