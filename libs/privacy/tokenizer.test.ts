import { createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { createTokenizer } from './tokenizer.js';

const key = Buffer.alloc(32, 7);

describe('createTokenizer', () => {
  it('tokens are tok_ plus the first 20 hex chars of HMAC-SHA256 over kind NUL raw', () => {
    const expected = createHmac('sha256', key).update('Patient\u0000123').digest('hex').slice(0, 20);
    expect(createTokenizer(key).token('Patient', '123')).toBe(`tok_${expected}`);
  });

  it('gives equal tokens for equal inputs, with and without the cache', () => {
    const cached = createTokenizer(key);
    const uncached = createTokenizer(key, { cacheSize: 0 });
    expect(cached.token('Patient', '1')).toBe(cached.token('Patient', '1'));
    expect(cached.token('Patient', '1')).toBe(uncached.token('Patient', '1'));
  });

  it('namespaces tokens by kind so Patient/1 and Observation/1 differ', () => {
    const t = createTokenizer(key);
    expect(t.token('Patient', '1')).not.toBe(t.token('Observation', '1'));
  });

  it('gives different tokens under a different key', () => {
    const other = createTokenizer(Buffer.alloc(32, 8));
    expect(other.token('Patient', '1')).not.toBe(createTokenizer(key).token('Patient', '1'));
  });

  it('keeps the kind/raw boundary unambiguous when a kind contains NUL', () => {
    const t = createTokenizer(key);
    expect(t.token('a\0b', 'c')).not.toBe(t.token('a', 'b\0c'));
  });

  it('keeps returning correct tokens after the cache evicts entries', () => {
    const small = createTokenizer(key, { cacheSize: 2 });
    const reference = createTokenizer(key, { cacheSize: 0 });
    const ids = ['1', '2', '3', '1', '4', '2', '1'];
    expect(ids.map((id) => small.token('Patient', id))).toEqual(ids.map((id) => reference.token('Patient', id)));
  });

  it('fingerprints credentials as fp_ plus 16 hex chars of HMAC over credential NUL secret', () => {
    const expected = createHmac('sha256', key).update('credential\0secret-token').digest('hex').slice(0, 16);
    expect(createTokenizer(key).fingerprint('secret-token')).toBe(`fp_${expected}`);
  });

  it('rejects keys shorter than 32 bytes', () => {
    expect(() => createTokenizer(Buffer.alloc(16))).toThrow(/at least 32 bytes/);
  });
});
