import { createHash, randomBytes } from 'node:crypto';
import type { ApiKeyRecord, Role } from '../contracts/index.js';
import type { Store } from '../store/types.js';
import { VigilError } from '../errors/index.js';

/** Every Vigil key starts with this, so secret scanners and humans can recognise a leaked one. */
export const KEY_PREFIX = 'vgl_';
/** Characters of the key kept in the record: `vgl_` plus 8 of the random part. */
const SHOWN_PREFIX_CHARS = 12;
/** 32 random bytes are 43 base64url characters; anything much longer is not ours. */
const MAX_KEY_CHARS = 128;

/**
 * NOTE: revocation through this service takes effect at once (it evicts the cache); a revocation
 * written to the store by another process is honoured after at most this long.
 */
const CACHE_TTL_MS = 30_000;
/** Bounds memory whatever the number of live keys; the oldest entry goes first. */
const CACHE_MAX_ENTRIES = 1_000;

export interface Authenticated {
  keyId: string;
  role: Role;
}

export interface KeyService {
  /** Makes a key; the plain key is returned once and never stored. */
  create(role: Role, label?: string): Promise<{ key: string; record: ApiKeyRecord }>;
  list(): Promise<ApiKeyRecord[]>;
  /** False when no key has this id. */
  revoke(id: string): Promise<boolean>;
  /** Undefined for unknown, malformed or revoked keys. */
  authenticate(key: string): Promise<Authenticated | undefined>;
  /**
   * Accepts `key` until the process exits without ever storing it: lets the local CLI talk to a
   * running `vigil start` without an admin having to create a key first.
   */
  addEphemeralKey(key: string, role: Role): void;
}

/** Only the key methods: a full Store fits, and tests need not fake the rest. */
export type KeyStore = Pick<Store, 'createApiKey' | 'listApiKeys' | 'findApiKeyByHash' | 'revokeApiKey'>;

export interface KeyServiceDeps {
  store: KeyStore;
  now?: () => Date;
}

/** A fresh key: `vgl_` + 32 random bytes, base64url. */
export function generateApiKey(): string {
  return KEY_PREFIX + randomBytes(32).toString('base64url');
}

export function hashApiKey(key: string): string {
  return createHash('sha256').update(key, 'utf8').digest('hex');
}

function looksLikeKey(key: string): boolean {
  return key.startsWith(KEY_PREFIX) && key.length > KEY_PREFIX.length + 16 && key.length <= MAX_KEY_CHARS;
}

export function createKeyService(deps: KeyServiceDeps): KeyService {
  const now = deps.now ?? (() => new Date());
  // Both maps are keyed by key hash: the plain key is never kept, even in memory, past a call.
  const cache = new Map<string, Authenticated & { expiresAt: number }>();
  const ephemeral = new Map<string, Authenticated>();

  function evict(keyId: string): void {
    for (const [hash, entry] of cache) if (entry.keyId === keyId) cache.delete(hash);
  }

  function remember(hash: string, auth: Authenticated): void {
    if (cache.size >= CACHE_MAX_ENTRIES) {
      const oldest = cache.keys().next();
      if (!oldest.done) cache.delete(oldest.value);
    }
    cache.set(hash, { ...auth, expiresAt: now().getTime() + CACHE_TTL_MS });
  }

  return {
    async create(role, label) {
      const key = generateApiKey();
      const record: ApiKeyRecord = {
        id: randomBytes(8).toString('hex'),
        prefix: key.slice(0, SHOWN_PREFIX_CHARS),
        hash: hashApiKey(key),
        role,
        createdAt: now().toISOString(),
        ...(label === undefined ? {} : { label }),
      };
      await deps.store.createApiKey(record);
      return { key, record };
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

    async authenticate(key) {
      // Cheap rejection of junk before any hashing or store round trip.
      if (!looksLikeKey(key)) return undefined;
      // NOTE: no constant-time comparison is needed: we look the key up by its SHA-256 hash, so
      // lookup timing can at most reveal how a guess's *hash* compares to stored hashes, which
      // says nothing useful about any key (finding a key from its hash needs a preimage).
      const hash = hashApiKey(key);
      const eph = ephemeral.get(hash);
      if (eph) return { keyId: eph.keyId, role: eph.role };

      const cached = cache.get(hash);
      if (cached && cached.expiresAt > now().getTime()) return { keyId: cached.keyId, role: cached.role };
      cache.delete(hash);

      const rec = await deps.store.findApiKeyByHash(hash);
      // Misses are not cached: a key created by another process must work at once, and random
      // guesses must not push real keys out of the cache.
      // Truthiness, not `!== undefined`: a store column may map "not revoked" to '' or null.
      if (!rec || rec.revokedAt) return undefined;
      const auth = { keyId: rec.id, role: rec.role };
      remember(hash, auth);
      return auth;
    },

    addEphemeralKey(key, role) {
      if (!looksLikeKey(key)) {
        throw new VigilError('config_invalid', `ephemeral API key must start with ${KEY_PREFIX} and be 21-128 characters`);
      }
      const hash = hashApiKey(key);
      // The id names the key in logs and audit lines without revealing it.
      ephemeral.set(hash, { keyId: `ephemeral:${hash.slice(0, 12)}`, role });
    },
  };
}
