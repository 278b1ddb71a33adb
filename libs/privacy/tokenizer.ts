import { createBoundedCache } from '../cache/index.js';
import { createHmacSha256Hex } from './hmac.js';
import { textKey } from './text-key.js';

/**
 * Turns raw identifiers into stable, keyed pseudonyms. Equal inputs under one key give equal
 * tokens, so detectors can count distinct objects and join events without ever seeing raw ids.
 */
export interface Tokenizer {
  /**
   * `tok_` + 20 hex chars (80 bits) of HMAC-SHA256(key, kind + '\0' + raw).
   * `kind` is the namespace: the resource type for objects (Patient, Observation, users), so
   * Patient/1 and Observation/1 get unrelated tokens. Kinds are case-sensitive; callers
   * canonicalise them (e.g. the FHIR `patient` search parameter maps to `Patient`).
   */
  token(kind: string, raw: string): string;
  /** `fp_` + 16 hex chars of HMAC-SHA256(key, 'credential\0' + secret), for bearer tokens and API keys. */
  fingerprint(secret: string): string;
}

export interface TokenizerOptions {
  /**
   * Entries in the token cache (0 disables it). An HMAC costs ~1.3 µs (hmac.ts), a cache hit
   * ~0.3 µs on Node 20, and object ids repeat heavily (a user re-reads the same patient), so the
   * cache pays.
   * NOTE: it holds raw ids in process memory only; credentials are never cached.
   */
  cacheSize?: number;
}

const MIN_KEY_BYTES = 32;

interface Memo {
  kind: string;
  raw: string;
  token: string;
}

export function createTokenizer(key: Buffer, opts: TokenizerOptions = {}): Tokenizer {
  if (key.length < MIN_KEY_BYTES) {
    throw new RangeError(`tokenization key must be at least ${MIN_KEY_BYTES} bytes, got ${key.length}`);
  }
  // Copy so a caller zeroing or reusing its buffer cannot change tokens under us.
  const secretKey = Buffer.from(key);
  const cacheSize = opts.cacheSize ?? 10_000;
  // Keyed by a number for the pair (textKey); the entry keeps the pair, compared on every hit.
  const cache = createBoundedCache<Memo, number>(cacheSize);

  const hmacHex = createHmacSha256Hex(secretKey);

  function token(kind: string, raw: string): string {
    // NOTE: a NUL inside the kind would make kind/raw boundaries ambiguous; kinds come from code
    // or path segments, so replacing it (rather than throwing per event) is the safe choice.
    const ns = kind.includes('\0') ? kind.replaceAll('\0', '\uFFFD') : kind;
    if (cacheSize === 0) return `tok_${hmacHex(`${ns}\0${raw}`).slice(0, 20)}`;
    const key = textKey(raw, 0, textKey(ns));
    const hit = cache.get(key);
    if (hit !== undefined && hit.raw === raw && hit.kind === ns) return hit.token;
    const value = `tok_${hmacHex(`${ns}\0${raw}`).slice(0, 20)}`;
    // A pair with the same key (a collision) is replaced: the memo keeps the latest.
    cache.set(key, { kind: ns, raw, token: value });
    return value;
  }

  function fingerprint(secret: string): string {
    return `fp_${hmacHex(`credential\0${secret}`).slice(0, 16)}`;
  }

  return { token, fingerprint };
}
