import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../config/index.js';
import { createKeyring, parsePreviousKeys } from './keyring.js';
import { createTokenizer } from './tokenizer.js';

const OLD = 'b2'.repeat(32);
const NEW = 'a1'.repeat(32);
const hex = (s: string) => Buffer.from(s, 'hex');

describe('tokenization key rotation', () => {
  it('tokenizes new events with the current key only', () => {
    const ring = createKeyring(hex(NEW), [hex(OLD)]);
    expect(ring.current.token('Patient', '10234')).toBe('tok_02b8ef3b2514c7a154f9');
    expect(ring.current.fingerprint('secret-key-1')).toBe('fp_a14d2add639f569f');
  });

  it('looks a raw identifier up under every active key, current first', () => {
    const ring = createKeyring(hex(NEW), [hex(OLD)]);
    expect(ring.size).toBe(2);
    expect(ring.tokens('Patient', '10234')).toEqual(['tok_02b8ef3b2514c7a154f9', 'tok_d7bc70a64e2e43878100']);
    expect(ring.fingerprints('secret-key-1')).toEqual(['fp_a14d2add639f569f', 'fp_3e0f4d1ae062c492']);
    // What was stored before the rotation is among them.
    expect(ring.tokens('Patient', '10234')).toContain(createTokenizer(hex(OLD)).token('Patient', '10234'));
  });

  it('ignores a previous key equal to the current one or listed twice', () => {
    const ring = createKeyring(hex(NEW), [hex(NEW), hex(OLD), hex(OLD)]);
    expect(ring.size).toBe(2);
    expect(ring.tokens('Patient', '10234')).toEqual(['tok_02b8ef3b2514c7a154f9', 'tok_d7bc70a64e2e43878100']);
  });

  it('names the position of a malformed previous key, never its value', () => {
    expect(() => parsePreviousKeys([OLD, 'not-a-key'])).toThrow(
      'VIGIL_PREVIOUS_TOKENIZATION_KEYS: key 2 of 2 is not hex (64+ characters) or base64 (32+ bytes)',
    );
    expect(parsePreviousKeys([OLD, Buffer.alloc(32, 7).toString('base64')]).map((b) => b.toString('hex'))).toEqual([OLD, '07'.repeat(32)]);
  });

  it('reads previous keys from VIGIL_PREVIOUS_TOKENIZATION_KEYS (commas) or a file of one key per line', () => {
    expect(loadConfig({ env: { VIGIL_PREVIOUS_TOKENIZATION_KEYS: `${OLD}, ${'c3'.repeat(32)}` } }).privacy.previousTokenizationKeys).toEqual([OLD, 'c3'.repeat(32)]);
    const dir = mkdtempSync(join(tmpdir(), 'vigil-keys-'));
    try {
      const file = join(dir, 'previous.keys');
      writeFileSync(file, `${OLD}\n${'c3'.repeat(32)}\n`, { mode: 0o600 });
      expect(loadConfig({ env: { VIGIL_PREVIOUS_TOKENIZATION_KEYS_FILE: file } }).privacy.previousTokenizationKeys).toEqual([OLD, 'c3'.repeat(32)]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
    expect(loadConfig({ env: {} }).privacy.previousTokenizationKeys).toBeUndefined();
  });
});
