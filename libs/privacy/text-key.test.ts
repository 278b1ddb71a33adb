import { describe, expect, it } from 'vitest';
import { textKey } from './text-key.js';

describe('textKey', () => {
  it('is 32-bit FNV-1a of the UTF-16 code units, kept to 30 bits', () => {
    // FNV-1a("a") = 0xe40c292c and FNV-1a("foobar") = 0xbf9cf968 (published test vectors).
    expect(textKey('a')).toBe(0xe40c292c & 0x3fffffff);
    expect(textKey('foobar')).toBe(0xbf9cf968 & 0x3fffffff);
    expect(textKey('')).toBe(0x811c9dc5 & 0x3fffffff);
  });

  it('reads from `from` on and mixes in the seed', () => {
    expect(textKey('xxfoobar', 2)).toBe(textKey('foobar'));
    expect(textKey('foobar', 0, 7)).not.toBe(textKey('foobar'));
    expect(textKey('foobar', 0, 7)).toBe(textKey('foobar', 0, 7));
  });

  it('gives small non-negative integers, also for text beyond Latin-1', () => {
    for (const t of ['Patient', '患者', '😀', 'x'.repeat(1000)]) {
      const k = textKey(t);
      expect(Number.isInteger(k) && k >= 0 && k < 2 ** 30).toBe(true);
    }
  });
});
