import { createHash, randomBytes } from 'node:crypto';
import type { ApiKeyRecord, AuthMethod, Role } from '../contracts/index.js';
import type { Logger } from '../log/index.js';
import type { Store } from '../store/types.js';
import { VigilError } from '../errors/index.js';

/** Every Vigil key starts with this, so secret scanners and humans can recognise a leaked one. */
export const KEY_PREFIX = 'vgl_';
/** Characters of the key kept in the record: `vgl_` plus 8 of the random part. */
const SHOWN_PREFIX_CHARS = 12;
/** 32 random bytes are 43 base64url characters; anything much longer is not ours. */
const MAX_KEY_CHARS = 128;

/**
 * NOTE: revocation and rotation through this service take effect at once (they evict the cache); a
 * revocation written to the store by another process is honoured after at most this long. Expiry is
 * checked on every call, cached or not.
 */
const CACHE_TTL_MS = 30_000;
/** Bounds memory whatever the number of live keys; the oldest entry goes first. */
const CACHE_MAX_ENTRIES = 1_000;
/** Last use is written at most this often per key: a busy key must not write a row per request. */
export const LAST_USED_THROTTLE_MS = 60_000;
/** Default grace period of a rotation: the old key keeps working this long. */
export const DEFAULT_ROTATION_GRACE_SECONDS = 86_400;

export interface Authenticated {
  /** Key id, `ephemeral:<hash prefix>`, or `oidc:<subject>`. */
  keyId: string;
  role: Role;
  method: AuthMethod;
}

/** Why a key was refused, for the 401 message and the audit row; never the key itself. */
export type KeyCheck =
  | { ok: true; auth: Authenticated }
  | { ok: false; reason: 'malformed' | 'unknown' }
  | { ok: false; reason: 'expired'; keyId: string; expiredAt: string; replacedBy?: string };

export interface KeyService {
  /** Makes a key; the plain key is returned once and never stored. */
  create(role: Role, label?: string, opts?: { expiresAt?: string }): Promise<{ key: string; record: ApiKeyRecord }>;
  list(): Promise<ApiKeyRecord[]>;
  /** False when no key has this id. */
  revoke(id: string): Promise<boolean>;
  /**
   * A new key with the same role and label; the old one works until `graceSeconds` from now (or
   * its own earlier expiry). Undefined when `id` is unknown or revoked.
   */
  rotate(id: string, opts?: { graceSeconds?: number }): Promise<{ key: string; record: ApiKeyRecord; previous: ApiKeyRecord } | undefined>;
  /** Undefined for unknown, malformed, revoked or expired keys. */
  authenticate(key: string): Promise<Authenticated | undefined>;
  /** Like authenticate, with the reason of a refusal. */
  check(key: string): Promise<KeyCheck>;
  /**
   * Accepts `key` until the process exits without ever storing it: lets the local CLI talk to a
   * running `vigil start` without an admin having to create a key first.
   */
  addEphemeralKey(key: string, role: Role): void;
  /** Waits for last-used writes in flight (call before closing the store). */
  flush(): Promise<void>;
}

/** Only the key methods: a full Store fits, and tests need not fake the rest. */
export type KeyStore = Pick<Store, 'createApiKey' | 'listApiKeys' | 'findApiKeyByHash' | 'revokeApiKey' | 'rotateApiKey' | 'recordApiKeyUse'>;

export interface KeyServiceDeps {
  store: KeyStore;
  now?: () => Date;
  /** Where failed last-used writes are reported; they are retried on the key's next use. */
  logger?: Logger;
}

/** A fresh key: `vgl_` + 32 random bytes, base64url. */
export function generateApiKey(): string {
  return KEY_PREFIX + randomBytes(32).toString('base64url');
}

export function hashApiKey(key: string): string {
  return createHash('sha256').update(key, 'utf8').digest('hex');
}

export function looksLikeApiKey(key: string): boolean {
  return key.startsWith(KEY_PREFIX) && key.length > KEY_PREFIX.length + 16 && key.length <= MAX_KEY_CHARS;
}

interface CacheEntry {
  auth: Authenticated;
  /** When this entry must be re-read from the store. */
  until: number;
  /** The key's own expiry (ms), if any. */
  keyExpiresAt?: number;
  replacedBy?: string;
}

export function createKeyService(deps: KeyServiceDeps): KeyService {
  const now = deps.now ?? (() => new Date());
  // Both maps are keyed by key hash: the plain key is never kept, even in memory, past a call.
  const cache = new Map<string, CacheEntry>();
  const ephemeral = new Map<string, Authenticated>();
  /** Key id -> when its last use was last written (ms). One entry per stored key that was used. */
  const lastWritten = new Map<string, number>();
  const pending = new Set<Promise<void>>();

  function evict(keyId: string): void {
    for (const [hash, entry] of cache) if (entry.auth.keyId === keyId) cache.delete(hash);
  }

  function remember(hash: string, entry: CacheEntry): void {
    if (cache.size >= CACHE_MAX_ENTRIES) {
      const oldest = cache.keys().next();
      if (!oldest.done) cache.delete(oldest.value);
    }
    cache.set(hash, entry);
  }

  function noteUse(keyId: string, at: Date): void {
    const prev = lastWritten.get(keyId);
    if (prev !== undefined && at.getTime() - prev < LAST_USED_THROTTLE_MS) return;
    lastWritten.set(keyId, at.getTime());
    // Asynchronous so a request never waits for it; a failure is logged and the throttle entry
    // dropped, so the next use of the key writes again.
    const p = deps.store.recordApiKeyUse([{ id: keyId, at: at.toISOString() }]).catch((err: unknown) => {
      lastWritten.delete(keyId);
      deps.logger?.error({ err, key_id: keyId }, 'api_key_last_used_write_failed');
    });
    pending.add(p);
    void p.finally(() => pending.delete(p));
  }

  function judge(entry: CacheEntry, at: Date): KeyCheck {
    if (entry.keyExpiresAt !== undefined && entry.keyExpiresAt <= at.getTime()) {
      return {
        ok: false,
        reason: 'expired',
        keyId: entry.auth.keyId,
        expiredAt: new Date(entry.keyExpiresAt).toISOString(),
        ...(entry.replacedBy === undefined ? {} : { replacedBy: entry.replacedBy }),
      };
    }
    noteUse(entry.auth.keyId, at);
    return { ok: true, auth: { ...entry.auth } };
  }

  async function check(key: string): Promise<KeyCheck> {
    // Cheap rejection of junk before any hashing or store round trip.
    if (!looksLikeApiKey(key)) return { ok: false, reason: 'malformed' };
    // NOTE: no constant-time comparison is needed: we look the key up by its SHA-256 hash, so
    // lookup timing can at most reveal how a guess's *hash* compares to stored hashes, which
    // says nothing useful about any key (finding a key from its hash needs a preimage).
    const hash = hashApiKey(key);
    const eph = ephemeral.get(hash);
    if (eph) return { ok: true, auth: { ...eph } };

    const at = now();
    const cached = cache.get(hash);
    if (cached && cached.until > at.getTime()) return judge(cached, at);
    cache.delete(hash);

    const rec = await deps.store.findApiKeyByHash(hash);
    // Misses are not cached: a key created by another process must work at once, and random
    // guesses must not push real keys out of the cache.
    // Truthiness, not `!== undefined`: a store column may map "not revoked" to '' or null.
    if (!rec || rec.revokedAt) return { ok: false, reason: 'unknown' };
    const entry: CacheEntry = {
      auth: { keyId: rec.id, role: rec.role, method: 'api_key' },
      until: at.getTime() + CACHE_TTL_MS,
      ...(rec.expiresAt ? { keyExpiresAt: Date.parse(rec.expiresAt) } : {}),
      ...(rec.replacedBy ? { replacedBy: rec.replacedBy } : {}),
    };
    remember(hash, entry);
    return judge(entry, at);
  }

  function newRecord(role: Role, label: string | undefined, extra: Partial<ApiKeyRecord>): { key: string; record: ApiKeyRecord } {
    const key = generateApiKey();
    const record: ApiKeyRecord = {
      id: randomBytes(8).toString('hex'),
      prefix: key.slice(0, SHOWN_PREFIX_CHARS),
      hash: hashApiKey(key),
      role,
      createdAt: now().toISOString(),
      ...(label === undefined ? {} : { label }),
      ...extra,
    };
    return { key, record };
  }

  return {
    async create(role, label, opts = {}) {
      if (opts.expiresAt !== undefined && !(Date.parse(opts.expiresAt) > now().getTime())) {
        throw new VigilError('bad_request', `expiry ${opts.expiresAt} is not in the future`, {
          publicMessage: 'expiresAt: must be a time in the future',
        });
      }
      const made = newRecord(role, label, opts.expiresAt === undefined ? {} : { expiresAt: new Date(opts.expiresAt).toISOString() });
      await deps.store.createApiKey(made.record);
      return made;
    },

    list() {
      return deps.store.listApiKeys();
    },

    async revoke(id) {
      const revoked = await deps.store.revokeApiKey(id, now().toISOString());
      // Evict even when the store says no: a stale cache entry must never outlive a revoke call.
      evict(id);
      return revoked;
    },

    async rotate(id, opts = {}) {
      const current = (await deps.store.listApiKeys()).find((k) => k.id === id && !k.revokedAt);
      if (!current) return undefined;
      const grace = opts.graceSeconds ?? DEFAULT_ROTATION_GRACE_SECONDS;
      const made = newRecord(current.role, current.label, { rotatedFrom: id });
      const previous = await deps.store.rotateApiKey(id, made.record, new Date(now().getTime() + grace * 1000).toISOString());
      evict(id);
      return previous === undefined ? undefined : { ...made, previous };
    },

    async authenticate(key) {
      const r = await check(key);
      return r.ok ? r.auth : undefined;
    },

    check,

    addEphemeralKey(key, role) {
      if (!looksLikeApiKey(key)) {
        throw new VigilError('config_invalid', `ephemeral API key must start with ${KEY_PREFIX} and be 21-128 characters`);
      }
      const hash = hashApiKey(key);
      // The id names the key in logs and audit lines without revealing it.
      ephemeral.set(hash, { keyId: `ephemeral:${hash.slice(0, 12)}`, role, method: 'ephemeral' });
    },

    async flush() {
      await Promise.allSettled([...pending]);
    },
  };
}
