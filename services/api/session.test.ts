import { describe, expect, it } from 'vitest';
import { createSessionStore, sessionCookie } from './session.js';

const who = { keyId: 'k1', role: 'analyst', method: 'api_key' } as const;

describe('createSessionStore', () => {
  it('signs out the oldest session when full, so memory stays bounded', async () => {
    let now = 0;
    const store = createSessionStore({ ttlSeconds: 3600, idleSeconds: 600, maxSessions: 2 }, { now: () => now });
    const a = store.create(who);
    now += 1;
    const b = store.create(who);
    now += 1;
    const c = store.create(who);
    expect([store.size(), await store.get(a.id), (await store.get(b.id))?.auth, (await store.get(c.id))?.auth]).toEqual([2, undefined, who, who]);
  });

  it('drops expired sessions before counting, and never outlives notAfter', async () => {
    let now = 0;
    const store = createSessionStore({ ttlSeconds: 3600, idleSeconds: 600, maxSessions: 2 }, { now: () => now });
    const short = store.create(who, { notAfter: 120_000 });
    expect(short.session.expiresAt).toBe(120_000);
    store.create(who);
    now = 700_000;
    store.create(who);
    expect(store.size()).toBe(1);
    expect(await store.get(short.id)).toBeUndefined();
  });

  it('re-checks the key of a session every 30 seconds and ends it when the key is gone', async () => {
    let now = 0;
    let valid = true;
    const checks: number[] = [];
    const store = createSessionStore(
      { ttlSeconds: 3600, idleSeconds: 600 },
      { now: () => now, revalidate: (_hash, at) => (checks.push(at), Promise.resolve(valid)) },
    );
    const s = store.create(who, { keyHash: 'h' });
    now = 29_999;
    expect((await store.get(s.id))?.auth).toEqual(who);
    now = 30_000;
    expect((await store.get(s.id))?.auth).toEqual(who);
    valid = false;
    now = 59_999;
    expect((await store.get(s.id))?.auth).toEqual(who);
    now = 60_000;
    expect(await store.get(s.id)).toBeUndefined();
    expect(checks).toEqual([30_000, 60_000]);
  });
});

describe('sessionCookie', () => {
  it('adds Secure only over TLS', () => {
    expect(sessionCookie('abc', 60.9, true)).toBe('vigil_session=abc; HttpOnly; SameSite=Strict; Path=/; Secure; Max-Age=60');
    expect(sessionCookie('abc', 60, false)).toBe('vigil_session=abc; HttpOnly; SameSite=Strict; Path=/; Max-Age=60');
  });
});
