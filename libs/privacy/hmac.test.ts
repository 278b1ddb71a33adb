import { createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { createHmacSha256Hex } from './hmac.js';

const native = (key: Buffer, message: string): string => createHmac('sha256', key).update(message, 'utf8').digest('hex');

describe('createHmacSha256Hex', () => {
  it('gives the RFC 4231 test case 2 value', () => {
    // RFC 4231 4.3: key "Jefe", data "what do ya want for nothing?".
    expect(createHmacSha256Hex(Buffer.from('Jefe'))('what do ya want for nothing?')).toBe('5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843');
  });

  it('gives the RFC 4231 test case 6 value (a key longer than one block is hashed first)', () => {
    const key = Buffer.alloc(131, 0xaa);
    expect(createHmacSha256Hex(key)('Test Using Larger Than Block-Size Key - Hash Key First')).toBe('60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54');
  });

  it('equals createHmac for every message length around the block and fallback boundaries', () => {
    const key = Buffer.alloc(32, 7);
    const hmac = createHmacSha256Hex(key);
    let mismatches = 0;
    for (let n = 0; n <= 400; n++) {
      const message = Array.from({ length: n }, (_, i) => String.fromCharCode(0x20 + ((i * 7 + n) % 95))).join('');
      if (hmac(message) !== native(key, message)) mismatches++;
    }
    expect(mismatches).toBe(0);
  });

  it('equals createHmac for NUL, control characters, non-ASCII text and lone surrogates', () => {
    const key = Buffer.from('0123456789abcdef0123456789abcdef0123456789abcdef');
    const hmac = createHmacSha256Hex(key);
    for (const message of ['Patient\u0000123456', '\u0001\u007f', 'José', '患者', '😀', 'a\ud800b', 'x'.repeat(183) + 'é']) {
      expect(hmac(message)).toBe(native(key, message));
    }
  });

  it('equals createHmac for keys of 32, 64 and 65 bytes', () => {
    for (const size of [32, 64, 65]) {
      const key = Buffer.from(Array.from({ length: size }, (_, i) => (i * 31 + 5) & 0xff));
      const hmac = createHmacSha256Hex(key);
      expect(hmac('credential\u0000abc')).toBe(native(key, 'credential\u0000abc'));
      expect(hmac('Observation\u00009'.repeat(12))).toBe(native(key, 'Observation\u00009'.repeat(12)));
    }
  });

  it('keeps its own copy of the key', () => {
    const key = Buffer.alloc(32, 3);
    const hmac = createHmacSha256Hex(key);
    key.fill(0);
    expect(hmac('Patient\u00001')).toBe(native(Buffer.alloc(32, 3), 'Patient\u00001'));
  });
});
