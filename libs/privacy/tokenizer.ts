import { createHmac } from 'node:crypto';
import { createBoundedCache } from '../cache/index.js';

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
   * Entries in the token cache (0 disables it). An HMAC costs ~2.7 µs, a cache hit ~0.15 µs on
   * Node 20, and object ids repeat heavily (a user re-reads the same patient), so the cache pays.
   * NOTE: it holds raw ids in process memory only; credentials are never cached.
   */
  cacheSize?: number;
}

const MIN_KEY_BYTES = 32;

export function createTokenizer(key: Buffer, opts: TokenizerOptions = {}): Tokenizer {
  if (key.length < MIN_KEY_BYTES) {
    throw new RangeError(`tokenization key must be at least ${MIN_KEY_BYTES} bytes, got ${key.length}`);
  }
  // Copy so a caller zeroing or reusing its buffer cannot change tokens under us.
  const secretKey = Buffer.from(key);
  const cacheSize = opts.cacheSize ?? 10_000;
  const cache = createBoundedCache<string>(cacheSize);

  const hmacHex = (message: string): string => createHmac('sha256', secretKey).update(message, 'utf8').digest('hex');

  function token(kind: string, raw: string): string {
    // NOTE: a NUL inside the kind would make kind/raw boundaries ambiguous; kinds come from code
    // or path segments, so replacing it (rather than throwing per event) is the safe choice.
    const ns = kind.includes('\0') ? kind.replaceAll('\0', '\uFFFD') : kind;
    const message = `${ns}\0${raw}`;
    if (cacheSize === 0) return `tok_${hmacHex(message).slice(0, 20)}`;
    const hit = cache.get(message);
    if (hit !== undefined) return hit;
    const value = `tok_${hmacHex(message).slice(0, 20)}`;
    cache.set(message, value);
    return value;
  }

  function fingerprint(secret: string): string {
    return `fp_${hmacHex(`credential\0${secret}`).slice(0, 16)}`;
  }

  return { token, fingerprint };
}
